// The commander program. Defining commands and options is cheap; each command's module (and with it
// @runlens/core and the provider adapters) is imported only when that command runs. Help, usage
// errors and shell completion need nothing but commander.
import type { EventEmitter } from 'node:events';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { ArtifactsOptions } from './commands/artifacts.js';
import type { CompareOptions } from './commands/compare.js';
import type { CopyCommandOptions } from './commands/copy.js';
import type { WorkerCommandOptions } from './commands/worker.js';
import type { DescribeOptions } from './commands/describe.js';
import type { ExportOptions } from './commands/export.js';
import type { LogsOptions } from './commands/logs.js';
import type { MetricsOptions } from './commands/metrics.js';
import type { RunsOptions } from './commands/runs.js';
import { defineServe } from './commands/serve.js';
import type { Shell } from './completion.js';
import type { CommandContext } from './context.js';
import { LineWriter, type OutputStream } from './output/writer.js';
import { environmentHelp, PROVIDER_MANIFEST, providerFlags } from './provider-manifest.js';
import { isUsageError, reportUsage } from './usage.js';
import { version } from './version.js';

/** Where the CLI reads and writes. Defaults to the process's own. */
export interface CliIO {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/** Options every command accepts (before or after the command name). */
export interface GlobalOptions {
  readonly debug?: boolean;
  readonly color: boolean;
  /** How long one request may keep retrying (a duration, checked by context.ts). */
  readonly retryBudget?: string;
  /** The installed providers' flags (`--region`, `--workspace`, …), by commander attribute; see provider-manifest.ts. */
  readonly [providerFlag: string]: unknown;
}

/** The help's tail: exit codes, the installed providers' environment variables and ref forms. */
export const EXIT_CODES_HELP = exitCodesHelp();

function exitCodesHelp(): string {
  const rows = [
    { name: 'NO_COLOR', description: 'disable colour (as does --no-color); colour is only used on a terminal anyway' },
    { name: 'FORCE_COLOR', description: 'colour even when output is not a terminal' },
    ...environmentHelp(),
  ];
  const width = Math.min(18, Math.max(...rows.map((r) => r.name.length)));
  const environment = rows.map((r) => (r.name.length > width ? `  ${r.name}\n  ${' '.repeat(width)} ${r.description}` : `  ${r.name.padEnd(width)} ${r.description}`)).join('\n');
  const refs = PROVIDER_MANIFEST.filter((p) => p.refHelp).map((p) => `  ${p.refHelp}`).join('\n');
  return `
Exit codes:
  0    success
  1    internal error (a bug: run again with --debug and report it)
  2    invalid input or usage, or an operation the provider does not support
  3    not found (run, archive, artifact)
  4    authentication or permission failure
  5    provider or network failure after retries (throttling, service errors)
  130  interrupted (Ctrl-C)

Environment:
${environment}

Run references: provider:id (prefix in any case), or a native id a provider recognises:
${refs}
Times (--since, --until): 30m, 2h, 7d (ago) or ISO 8601 (2026-11-28T10:00:00Z; without a zone: UTC).`;
}

type Action = (context: CommandContext) => Promise<number>;

/** Repeatable option: `--node a --node b` → ['a', 'b']. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--artifacts GLOB` (repeatable), refused after `--no-artifacts`. */
function collectGlobs(value: string, previous: string[] | false | undefined): string[] {
  if (previous === false) throw new InvalidArgumentError('It cannot be combined with --no-artifacts.');
  if (value.trim() === '') throw new InvalidArgumentError('Expected a glob such as "*.json" or "outputs/**".');
  return [...(previous ?? []), value];
}

/** Repeatable option that also takes comma-separated lists: `--status failed,stopped`. */
function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

function wholeNumber(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw new InvalidArgumentError(`Expected a whole number${min > 0 ? ` of at least ${min}` : ''}.`);
    return Number(value);
  };
}

const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

const RUN_STATUSES = ['pending', 'running', 'completed', 'failed', 'stopped'];

function statusList(value: string, previous: string[] | undefined): string[] {
  const list = collectList(value, previous);
  const bad = list.find((s) => !RUN_STATUSES.includes(s));
  if (bad !== undefined) throw new InvalidArgumentError(`Use ${RUN_STATUSES.join(', ')}.`);
  return list;
}

export function buildProgram(io: CliIO, execute: (command: Command, action: Action) => Promise<void>): Command {
  const program = new Command('runlens');
  program
    .description(`One query API and CLI over ML training runs: ${PROVIDER_MANIFEST.map((p) => p.displayName).join(', ')}.`)
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--debug', 'print stack traces and (redacted) provider requests to stderr')
    .option('--no-color', 'never colour the output')
    .option('--retry-budget <duration>', 'how long one request may retry throttling and service errors before exit 5: 30s, 10m (default 3m)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      // Errors are printed by run() as one `runlens: …` line with our exit code.
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true)
    .helpCommand(false)
    .addHelpText('after', EXIT_CODES_HELP);
  // Each installed provider's flags; one flag declared by several providers is one option feeding all.
  for (const flag of providerFlags()) program.option(flag.boolean ? `--${flag.flag}` : `--${flag.flag} <${flag.valueName}>`, flag.description);

  const command = (name: string, summary: string) => program.command(name).description(summary).helpOption('-h, --help', 'show help');

  command('describe', 'show one run: status, timing, nodes, failure and its evidence, hyperparameters, metrics, timeline')
    .argument('<ref>', 'run reference (provider:id)')
    .option('--json', 'print the Run object as JSON')
    .action((ref: string, options: DescribeOptions, cmd: Command) => execute(cmd, async (c) => (await import('./commands/describe.js')).describeCommand(c, ref, options)));

  command('logs', "print a run's logs, every node merged by time")
    .argument('<ref>', 'run reference (provider:id)')
    .option('--node <name>', 'only this node (repeatable)', collect)
    .option('--since <time>', 'from this time: 30m, 2h, 7d ago, or ISO 8601')
    .option('--until <time>', 'before this time: 30m, 2h, 7d ago, or ISO 8601')
    .option('-n, --tail <n>', 'only the last n lines', wholeNumber(0))
    .option('--grep <regex>', 'only lines matching this regular expression')
    .option('-i, --ignore-case', '--grep ignores case')
    .option('-f, --follow', 'keep printing new lines until the run ends (Ctrl-C prints a resume cursor)')
    .option('--reconnect-for <duration>', 'while following, keep trying this long when the provider cannot be reached (default 10m)')
    .addOption(new Option('--cursor <token>', "resume right after the lines an earlier 'runlens logs' printed (its 'cursor:' line)").conflicts('cursorFile'))
    .option('--cursor-file <file>', 'resume from the cursor in this file when it exists; save the new cursor there at exit')
    .option('--no-timestamps', 'text lines without the time column')
    .option('--json', 'one JSON object per line: timestamp (epoch ms), node, message, stream')
    .addOption(new Option('--poll-interval <ms>', 'follow polling interval in milliseconds').argParser(wholeNumber(1)).hideHelp())
    .action((ref: string, options: LogsOptions, cmd: Command) => execute(cmd, async (c) => (await import('./commands/logs.js')).logsCommand(c, ref, options)));

  command('metrics', "print a run's metric series: a summary table, JSON, CSV or terminal charts")
    .argument('<ref>', 'run reference (provider:id)')
    .option('--metric <name>', 'only this metric; * wildcards allowed (repeatable)', collect)
    .option('--node <name>', 'only this node; * wildcards allowed (repeatable)', collect)
    .addOption(new Option('--kind <kind>', 'only system or training metrics').choices(['system', 'training']))
    .addOption(new Option('--list', 'list the series (name, node, kind, unit) without reading their points').conflicts('plot'))
    .option('--since <time>', 'from this time: 30m, 2h, 7d ago, or ISO 8601')
    .option('--until <time>', 'before this time: 30m, 2h, 7d ago, or ISO 8601')
    .addOption(new Option('--json', 'print {"series": [...]} as JSON').conflicts(['csv', 'plot']))
    .addOption(new Option('--csv', 'print name,node,kind,unit,timestamp,step,value rows').conflicts(['json', 'plot']))
    .addOption(new Option('--plot', 'draw one chart per series').conflicts(['json', 'csv']))
    .action((ref: string, options: MetricsOptions, cmd: Command) => execute(cmd, async (c) => (await import('./commands/metrics.js')).metricsCommand(c, ref, options)));

  command('runs', 'list runs, newest first, across the configured providers')
    .option('--provider <id>', 'only this provider (repeatable)', collectList)
    .option('--status <status>', `only runs in this status: ${RUN_STATUSES.join(', ')} (repeatable)`, statusList)
    .option('--since <time>', 'created at or after: 30m, 2h, 7d ago, or ISO 8601')
    .option('--until <time>', 'created before: 30m, 2h, 7d ago, or ISO 8601')
    .option('--limit <n>', 'at most n runs', wholeNumber(1))
    .option('--json', 'print {"runs": [...]} as JSON')
    .action((options: RunsOptions, cmd: Command) => execute(cmd, async (c) => (await import('./commands/runs.js')).runsCommand(c, options)));

  command('compare', 'compare runs side by side: status, duration, final and best metric values')
    .argument('<refs...>', 'two or more run references')
    .option('--metric <name>', 'compare this training metric (repeatable; default: those of the first run)', collect)
    .addOption(new Option('--json', 'print the comparison as JSON').conflicts('plot'))
    .option('--plot', 'draw each metric with one line per run')
    .action((refs: string[], options: CompareOptions, cmd: Command) => execute(cmd, async (c) => (await import('./commands/compare.js')).compareCommand(c, refs, options)));

  command('artifacts', "list a run's artifacts, or download them")
    .argument('<ref>', 'run reference (provider:id)')
    .option('--download <dir>', 'download into this directory (existing files are never replaced unless asked)')
    .option('--path <path>', 'only this file or directory (repeatable)', collect)
    .option('--overwrite', 'with --download: replace files that already exist')
    .option('--skip-existing', 'with --download: keep files that already match in size and checksum')
    .option('--json', 'print {"artifacts": [...]} as JSON')
    .action((ref: string, options: ArtifactsOptions, cmd: Command) => execute(cmd, async (c) => (await import('./commands/artifacts.js')).artifactsCommand(c, ref, options)));

  const exportCommand = command('export', 'copy a run (description, logs, metrics, artifacts) into a local run archive')
    .argument('<ref>', 'run reference (provider:id)')
    .requiredOption('--out <dir>', 'new (or empty) directory for the archive')
    .option('--artifacts <glob>', 'only artifacts matching this glob (repeatable; * within a folder, ** across, *.ext in any folder)', collectGlobs)
    .option('--no-artifacts', 'export logs, metrics and the description only')
    .option('--overwrite', 'replace an earlier export at --out (only a run archive is ever replaced)')
    .action((ref: string, options: ExportOptions, cmd: Command) => execute(cmd, async (c) => (await import('./commands/export.js')).exportCommand(c, ref, options)));
  // Runs before commander's own handler sets `artifacts` to false, so an earlier --artifacts is still seen.
  (exportCommand as unknown as EventEmitter).prependListener('option:no-artifacts', () => {
    if (Array.isArray(exportCommand.getOptionValue('artifacts'))) exportCommand.error("option '--no-artifacts' cannot be combined with '--artifacts <glob>'", { exitCode: 2, code: 'runlens.conflict' });
  });

  command('copy', 'copy runs into an MLflow tracking server: times, params, tags, metric histories, logs, artifacts; rerun to resume')
    .argument('[refs...]', 'run references (provider:id); or select runs with --provider')
    .requiredOption('--to <uri>', 'MLflow tracking URI: http(s)://host[:port] (auth: MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD)')
    .option('--experiment <name>', 'experiment to copy into, created when missing (default: runlens/<provider of the source>)')
    .option('--dry-run', 'read the source and the target, write nothing, print what would be written')
    .option('--json', 'one JSON object per run: status, run id, counts written and already present, warnings, error')
    .option('--provider <id>', 'bulk: copy every run of this provider (repeatable), filtered by the options below', collectList)
    .option('--status <status>', `bulk: only runs in this status (repeatable)`, statusList)
    .option('--since <time>', 'bulk: created at or after: 30m, 2h, 7d ago, or ISO 8601')
    .option('--until <time>', 'bulk: created before: 30m, 2h, 7d ago, or ISO 8601')
    .option('--limit <n>', 'bulk: at most n runs (the newest)', wholeNumber(1))
    .option('--concurrency <n>', 'runs copied at once on this machine (default 4)', wholeNumber(1))
    .option('--journal <file>', 'where finished runs are recorded so a rerun skips them (default: under $XDG_STATE_HOME/runlens/copy)')
    .option('--no-journal', 'keep no journal (every run is checked against the target again)')
    .option('--queue <url>', 'redis://…: put one job per run on a BullMQ queue for `runlens worker` to copy, and wait for them')
    .option('--no-wait', 'with --queue: enqueue and return at once')
    .action((refs: string[], options: CopyCommandOptions, cmd: Command) => execute(cmd, async (c) => (await import('./commands/copy.js')).copyCommand(c, refs, options, io.env, io.cwd)));

  command('worker', 'copy runs queued by `runlens copy --queue`, until Ctrl-C (run it on as many machines as you like)')
    .requiredOption('--queue <url>', 'redis://… or rediss://… (the same as given to copy --queue)')
    .option('--provider <id>', 'only jobs of this source provider (repeatable; default: every provider)', collectList)
    .option('--concurrency <n>', 'runs copied at once per provider (default 4)', wholeNumber(1))
    .option('--rate <provider=n/duration>', 'start at most n runs of a provider per duration across all workers, e.g. sagemaker=10/1m (repeatable)', collect)
    .option('--lock <duration>', "how long a killed worker's run stays locked before another worker takes it over (default 30s)")
    .option('--json', 'one JSON object per finished run on stdout')
    .action((options: WorkerCommandOptions, cmd: Command) => execute(cmd, async (c) => (await import('./commands/worker.js')).workerCommand(c, options)));

  defineServe(command('serve', 'serve the HTTP API (runs, describe, logs, metrics, artifacts, compare, export) on 127.0.0.1'), execute);

  command('completion', 'print a shell completion script: eval "$(runlens completion bash)"')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action(async (shell: Shell) => void io.stdout.write((await import('./completion.js')).completionScript(program, shell)));

  // Our own `help [command]`: commander's prints the whole help for a command it does not know.
  program
    .command('help')
    .argument('[command]', 'the command to explain')
    .description('show help for a command')
    .helpOption(false)
    .action((name: string | undefined) => {
      if (name === undefined) program.help();
      const target = program.commands.find((c) => c.name() === name && c.name() !== 'help');
      if (!target) {
        const known = program.commands.map((c) => c.name()).filter((n) => n !== 'help');
        throw new CommanderError(2, 'commander.unknownCommand', `unknown command '${name}' (commands: ${known.join(', ')})`);
      }
      target.help();
    });

  return program;
}

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the exit code. Never calls
 * process.exit; the bin does, once output is flushed.
 */
export async function run(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  // Adapters may load the AWS SDK, which otherwise prints a multi-line warning on Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let code = 0;
  let debug = argv.includes('--debug');
  const program = buildProgram(io, async (command, action) => {
    const globals = command.optsWithGlobals() as GlobalOptions;
    debug = globals.debug === true;
    const { withContext } = await import('./context.js');
    code = await withContext(io, globals, action);
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (isUsageError(error)) return reportUsage(error, io.stderr);
    const { reportError } = await import('./exit.js');
    return reportError(error, io.stderr, debug);
  }
}

/** The bin's entry: run, then make sure everything written reached its destination. */
export async function main(argv: readonly string[]): Promise<number> {
  // `runlens … | head`: the reader went away, which is not an error. Any other write failure is
  // reported once (on stderr if it still works).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    process.stderr.write(`runlens: cannot write the output: ${error.message}\n`);
    process.exit(1);
  });
  process.stderr.on('error', () => process.exit(process.exitCode ?? 1));
  const code = await run(argv);
  await new LineWriter(process.stdout).flush();
  await new LineWriter(process.stderr).flush();
  return code;
}
