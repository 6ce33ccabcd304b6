export {
  commandObjectiveSchema,
  parseCommandObjective,
  DEFAULT_KILL_GRACE_SECONDS,
  type CommandObjective,
} from './schema.js';
export { runCommandTrial, MAX_STDOUT_LINE, STDERR_TAIL_BYTES, type CommandTrialInput } from './command-trial.js';
export {
  toTrialResult,
  type CommandTrialOutcome,
  type CommandTrialComplete,
  type CommandTrialFailed,
  type CommandFailReason,
} from './outcome.js';
export { killProcessGroup, isProcessGroupAlive, type KillOutcome } from './process-group.js';
export { renderCommand, templateVariables, shellQuote, formatParamValue } from './template.js';
export { paramEnvName, paramEnvVars } from './param-env.js';
export { OutputParser, type OutputParserOptions, type ParsedOutput } from './output-parser.js';
export * from './service/index.js';
