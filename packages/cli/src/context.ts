// What a command gets: the runlens instance, its output, colours and the interrupt signal. This is the
// CLI's composition root: loaded only once a command runs (never for --help or a usage error), it
// collects the providers through inversify and hands them to core.
import { createRunlens, invalidInput, parseDuration, RunlensError, settingValue, type Runlens, type Warning } from '@runlens/core';
import { composeProviders } from '@runlens/core/inversify';
import type { CliIO, GlobalOptions } from './cli.js';
import { colorEnabled, colors, type Colors } from './output/color.js';
import { baselineWasmOnly, boundHeapGrowth } from './memory.js';
import { LineWriter, type OutputStream } from './output/writer.js';
import { providerFlags } from './provider-manifest.js';
import { providers } from './providers.js';


/** How `runlens logs local:… --follow` polls an archive that is still being written (--poll-interval overrides the interval). */
const LOCAL_FOLLOW = { pollMs: { min: 500, max: 5_000 }, statusPollMs: 1_000, streamDiscoveryMs: 1_000 } as const;

export interface CommandContext {
  readonly runlens: Runlens;
  /** stdout, batched. */
  readonly out: LineWriter;
  readonly stderr: OutputStream;
  /** Colours for stdout: off unless stdout is a terminal (and NO_COLOR/--no-color are absent). */
  readonly color: Colors;
  /** Aborted by Ctrl-C. */
  readonly signal: AbortSignal;
  /** Terminal width for charts. */
  readonly columns: number;
  /**
   * Width wide tables wrap to: COLUMNS when set, else the terminal's width; undefined for a pipe or a
   * file without COLUMNS, which get every row whole.
   */
  readonly width?: number;
  /** A `warning: …` line on stderr. */
  warn(message: string): void;
  warnAll(warnings: readonly Warning[]): void;
}

/**
 * Per-provider settings from the installed providers' global flags, only for the flags given: a flag
 * declared by several providers (`--region`) goes to each. Core parses them with each provider's
 * schema, so a bad value fails the same way whichever provider it is for.
 */
export function providerSettings(globals: GlobalOptions): Record<string, Record<string, unknown>> {
  const settings: Record<string, Record<string, unknown>> = {};
  for (const flag of providerFlags()) {
    const given = globals[flag.attribute];
    // A switch arrives as true; a flag with a value as its text.
    const text = given === true && flag.boolean ? 'true' : given;
    if (typeof text !== 'string') continue;
    for (const { provider, option } of flag.targets) (settings[provider] ??= {})[option.key] = settingValue(option, text, `--${flag.flag}`);
  }
  return settings;
}

export function tableWidth(stdout: { readonly isTTY?: boolean; readonly columns?: number }, env: Readonly<Record<string, string | undefined>>): number | undefined {
  const fromEnv = Number(env.COLUMNS);
  if (env.COLUMNS && Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return stdout.isTTY && stdout.columns ? stdout.columns : undefined;
}

/** Core's retry policy from the global flags: `--retry-budget 10m` → `{ budgetMs: 600000 }`. */
export function retryPolicy(globals: GlobalOptions): { budgetMs: number } | undefined {
  if (globals.retryBudget === undefined) return undefined;
  try {
    return { budgetMs: parseDuration(globals.retryBudget) };
  } catch (error) {
    throw invalidInput(`--retry-budget: ${RunlensError.isInstance(error) ? error.message : String(error)}`);
  }
}

/**
 * Creates the runlens instance, runs one command with it and closes it. Ctrl-C aborts the command's
 * signal (a second Ctrl-C exits at once). Output buffered by the command is flushed before returning
 * or rethrowing, so an error line always comes after the output that preceded it.
 */
export async function withContext(io: CliIO, globals: GlobalOptions, action: (context: CommandContext) => Promise<number>): Promise<number> {
  // Commands stream large reads: keep the heap near what they hold (see memory.ts).
  boundHeapGrowth(io.env);
  // Before any provider's first request: undici compiles its HTTP parser then (see memory.ts).
  baselineWasmOnly(io.env);
  const retry = retryPolicy(globals);
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  const out = new LineWriter(io.stdout, io.stdout === process.stdout);
  const warn = (message: string) => {
    out.flushNow();
    io.stderr.write(`warning: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  };
  const runlens = createRunlens({
    providers: composeProviders(providers),
    env: io.env,
    settings: providerSettings(globals),
    ...(retry ? { retry } : {}),
    // One command, one process: a run that had ended is described once (copy and export read it in parts).
    reuseEndedRunsMs: 60_000,
    // Core's default follow policy paces cloud APIs (polls of 2–30 s); a local archive is a file that
    // costs nothing to re-read, so its follow polls as it did before contract v2.
    followByProvider: { local: LOCAL_FOLLOW },
    ...(io.cwd ? { cwd: io.cwd } : {}),
    ...(globals.debug ? { debug: (message: string) => void io.stderr.write(`debug: ${message}\n`) } : {}),
  });
  const context: CommandContext = {
    runlens,
    out,
    stderr: io.stderr,
    color: colors(colorEnabled(io.stdout, io.env, globals.color !== false)),
    signal: controller.signal,
    columns: io.stdout.columns || Number(io.env.COLUMNS) || 80,
    width: tableWidth(io.stdout, io.env),
    warn,
    warnAll: (warnings) => warnings.forEach((w) => warn(w.message)),
  };
  try {
    return await action(context);
  } catch (error) {
    // Whatever broke after Ctrl-C (an aborted read, a closed stream) is the interrupt.
    if (controller.signal.aborted) {
      await out.flush();
      io.stderr.write('runlens: interrupted\n');
      return 130;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await out.flush();
    await runlens.close().catch(() => undefined);
  }
}
