// Usage errors (commander's) → one `runlens: …` line and exit 2. Needs nothing but commander, so
// `--help`, `help <command>` and a mistyped flag never load @runlens/core or a provider.
import { CommanderError } from 'commander';
import type { OutputStream } from './output/writer.js';

export const USAGE_EXIT = 2;

export function isUsageError(error: unknown): error is CommanderError {
  return error instanceof CommanderError;
}

/** commander reports help and --version as exit code 0; anything else it rejects is a usage error. */
export function usageExitCode(error: CommanderError): number {
  return error.exitCode === 0 ? 0 : USAGE_EXIT;
}

/** The line a user sees; `undefined` when help was printed (bare `runlens` prints it to stderr). */
export function usageLine(error: CommanderError): string | undefined {
  if (error.exitCode === 0 || error.code === 'commander.help') return undefined;
  return `runlens: ${error.message.replace(/^error:\s*/i, '').replace(/\s*\n\s*/g, ' ').trim()}`;
}

export function reportUsage(error: CommanderError, stderr: OutputStream): number {
  const line = usageLine(error);
  if (line !== undefined) stderr.write(`${line}\n`);
  return usageExitCode(error);
}
