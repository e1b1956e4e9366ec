import { startTelemetry } from '@switchyard/observability';

startTelemetry('gateway');
