import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { InputError, StoreError } from '@swarmtune/core';
import { clusterScaleCommand, clusterStatusCommand } from './commands/cluster.js';
import { reportHypervolume, reportPareto } from './commands/pareto.js';
import { reportHosts } from './commands/report.js';
import { runExperiment } from './commands/run.js';
import { studyBest, studyCreate, studyExport, studyList, studyShow, studyStop, studyTrials } from './commands/study.js';
import { workerStart } from './commands/worker.js';

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a whole number >= 1, got "${value}"`);
    return n;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const storeOption = () => new Option('--store <url>', 'study store: memory:, file:PATH, redis://host:port/db, keydb://a:port,b:port (default: $SWARMTUNE_STORE or file:.swarmtune/studies.jsonl)');
const jsonOption = () => new Option('--json', 'print JSON for machines');

/** The `swarmtune` command tree. Actions set `exitCode` rather than exiting, so tests can run it in-process. */
export function buildProgram(): { program: Command; result: { exitCode: number } } {
  const result = { exitCode: 0 };
  const program = new Command('swarmtune')
    .description('Distributed black-box tuning: workers on one machine or many share a study store.')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('run')
    .description('create or resume the study of an experiment file, run local workers, print the best trial')
    .argument('<file>', 'experiment file (YAML or JSON)')
    .option('--workers <n>', 'trials run at the same time (default: limits.trialConcurrency or 1)', positiveInt('--workers'))
    .option('--results <file>', 'append one JSON line per finished trial (status, phase, params, metrics)')
    .option('--best <file>', 'best feasible params so far (params only); the coordinate sampler starts from it')
    .option('--status <file>', 'live status JSON (running trials, counts, best), rewritten atomically')
    .option('--skip-existing', 'do not rerun params that already finished in --results')
    .option('--notify <file>', 'YAML/JSON with a notify: block (overrides the experiment file\'s)')
    .addOption(storeOption())
    .addOption(jsonOption())
    .action(async (file: string, opts) => {
      result.exitCode = await runExperiment(file, opts);
    });

  const study = program.command('study').description('create, inspect, export and stop studies');
  study
    .command('create')
    .description('create the study of an experiment file without running it')
    .argument('<file>')
    .addOption(storeOption())
    .addOption(jsonOption())
    .action((file: string, opts) => studyCreate(file, opts));
  study.command('list').description('all studies in the store').addOption(storeOption()).addOption(jsonOption()).action((opts) => studyList(opts));
  study.command('show').description('state, counts and best trial of a study').argument('<name>').addOption(storeOption()).addOption(jsonOption()).action((name: string, opts) => studyShow(name, opts));
  study.command('best').description('the best trial').argument('<name>').addOption(storeOption()).addOption(jsonOption()).action((name: string, opts) => studyBest(name, opts));
  study
    .command('trials')
    .description('every trial of a study')
    .argument('<name>')
    .addOption(new Option('--state <state>', 'only trials in this state').choices(['WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'waiting', 'running', 'complete', 'pruned', 'fail']))
    .addOption(storeOption())
    .addOption(jsonOption())
    .action((name: string, opts) => studyTrials(name, opts));
  study
    .command('export')
    .description('all trials as JSON lines or CSV')
    .argument('<name>')
    .addOption(new Option('--format <format>', 'jsonl or csv').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--output <file>', 'write to a file instead of stdout')
    .addOption(storeOption())
    .action((name: string, opts) => studyExport(name, opts));
  study
    .command('stop')
    .description('stop every worker of the study: after its running trial, or at once with --now')
    .argument('<name>')
    .option('--now', 'interrupt running trials (their params are re-enqueued)')
    .addOption(storeOption())
    .addOption(jsonOption())
    .action((name: string, opts) => studyStop(name, opts));

  const worker = program.command('worker').description('run trials of studies in a store');
  worker
    .command('start')
    .description('run trials until the studies end or are stopped (SIGINT: finish trial; SIGTERM: interrupt)')
    .option('--study <name>', 'a study to work on (repeatable)', collect)
    .option('--all', 'every study in the store that is not over')
    .option('--concurrency <k>', 'trials run at the same time by this process', positiveInt('--concurrency'), 1)
    .addOption(storeOption())
    .action(async (opts) => {
      result.exitCode = await workerStart(opts);
    });

  const report = program.command('report').description('reports over a study');
  report
    .command('hosts')
    .description('per host: mean/median trial duration, COMPLETE count, worker processes, trials per hour')
    .option('--study <name>', 'one study (default: a block per study)')
    .addOption(storeOption())
    .addOption(jsonOption())
    .action((opts) => reportHosts(opts));
  report.command('best').description('the best trial').requiredOption('--study <name>').addOption(storeOption()).addOption(jsonOption()).action((opts) => studyBest(opts.study, opts));
  report.command('trials').description('every trial').requiredOption('--study <name>').addOption(storeOption()).addOption(jsonOption()).action((opts) => studyTrials(opts.study, opts));
  report
    .command('pareto')
    .description('the Pareto front: feasible trials no other feasible trial dominates')
    .requiredOption('--study <name>')
    .option('--csv <file>', 'also write the front as CSV')
    .option('--svg <file>', 'also write a scatter plot of the first two objectives as SVG')
    .addOption(storeOption())
    .addOption(jsonOption())
    .action((opts) => reportPareto(opts));
  report
    .command('hypervolume')
    .description('hypervolume of the feasible trials after each trial (2 or 3 objectives)')
    .requiredOption('--study <name>')
    .option('--reference <values>', 'reference point, comma-separated, one per objective (default: from the worst values)')
    .option('--csv <file>', 'also write the history as CSV')
    .option('--svg <file>', 'also write the history as an SVG plot')
    .addOption(storeOption())
    .addOption(jsonOption())
    .action((opts) => reportHypervolume(opts));

  const cluster = program.command('cluster').description('the Docker Swarm the workers run on (DOCKER_HOST or the local socket)');
  const stackOption = () => new Option('--stack <name>', 'the stack name given to docker stack deploy').default('swarmtune');
  const serviceOption = () => new Option('--service <name>', 'the worker service in the stack').default('worker');
  cluster
    .command('status')
    .description('swarm nodes, the worker tasks per node and, with --study, its per-host trials and durations')
    .addOption(stackOption())
    .addOption(serviceOption())
    .option('--study <name>', 'join the per-host report of this study')
    .addOption(storeOption())
    .addOption(jsonOption())
    .action((opts) => clusterStatusCommand(opts));
  cluster
    .command('scale')
    .description('set the number of worker tasks (replicated worker service)')
    .argument('<replicas>', 'worker tasks', (value: string) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`replicas must be a whole number >= 0, got "${value}"`);
      return n;
    })
    .addOption(stackOption())
    .addOption(serviceOption())
    .addOption(jsonOption())
    .action((replicas: number, opts) => clusterScaleCommand(replicas, opts));

  const exitOverride = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return { program, result };
}

/** Runs the CLI; returns the exit code. Bad input (flags, files, store contents) is exit code 2 with one message. */
export async function main(argv: string[]): Promise<number> {
  const { program, result } = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version print themselves and exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    // A store that cannot be used (bad URL, wrong password, unreachable, newer format) is the user's to fix too.
    if (err instanceof InputError || err instanceof StoreError) {
      process.stderr.write(`swarmtune: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`swarmtune: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
