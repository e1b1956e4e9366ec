import { startTelemetry } from '@switchyard/observability';

startTelemetry('router');
