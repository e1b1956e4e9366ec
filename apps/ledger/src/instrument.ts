import { startTelemetry } from '@switchyard/observability';

startTelemetry('ledger');
