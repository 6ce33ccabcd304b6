export { main, buildProgram } from './program.js';
export { parseExperiment, loadExperimentFile, type Experiment } from './experiment.js';
export { hostStats, type HostStats } from './commands/report.js';
