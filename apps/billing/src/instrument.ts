import { startTelemetry } from '@switchyard/observability';

startTelemetry('billing');
