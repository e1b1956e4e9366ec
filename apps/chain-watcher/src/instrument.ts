import { startTelemetry } from '@switchyard/observability';

startTelemetry('chain-watcher');
