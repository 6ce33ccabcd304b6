export { serviceObjectiveSchema, parseServiceObjective, SERVICE_DEFAULTS, type ServiceObjective } from './schema.js';
export {
  runServiceTrial,
  type ServiceTrialInput,
  type ServiceTrialOutcome,
  type ServiceStatus,
  type ServicePhase,
  type EvalRunRecord,
} from './service-trial.js';
export { toServiceTrialResult } from './result.js';
export { aggregateMetrics, meanValues, type MetricStats } from './aggregate.js';
export { isPortOpen, waitPortClosed, listeningPids, commandLineOf, stopMatchingListeners, type ForeignListener } from './port.js';
export { ServiceProcess } from './service-process.js';
