// Errors → one `runlens: …` line on stderr and an exit code. Loaded only when something failed.
import { RunlensError, redact, type ErrorCode } from '@runlens/core';
import type { OutputStream } from './output/writer.js';
import { isUsageError, usageExitCode, usageLine } from './usage.js';

export const EXIT = { ok: 0, internal: 1, usage: 2, notFound: 3, auth: 4, provider: 5, interrupted: 130 } as const;

const BY_CODE: Record<ErrorCode, number> = {
  InvalidInput: EXIT.usage,
  Unsupported: EXIT.usage,
  NotFound: EXIT.notFound,
  AuthError: EXIT.auth,
  Throttled: EXIT.provider,
  ProviderError: EXIT.provider,
  Interrupted: EXIT.interrupted,
};

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export function exitCodeForCode(code: ErrorCode): number {
  return BY_CODE[code] ?? EXIT.internal;
}

export function exitCodeFor(error: unknown): number {
  if (isUsageError(error)) return usageExitCode(error);
  if (RunlensError.isInstance(error)) return BY_CODE[error.code] ?? EXIT.internal;
  if ((error as NodeJS.ErrnoException | null)?.code === 'EPIPE') return EXIT.ok;
  return EXIT.internal;
}

/** The one line a user sees; `undefined` when nothing should be printed. */
export function errorLine(error: unknown): string | undefined {
  if (isUsageError(error)) return usageLine(error);
  if (RunlensError.isInstance(error)) return error.code === 'Interrupted' ? 'runlens: interrupted' : `runlens: ${oneLine(error.message)}`;
  if ((error as NodeJS.ErrnoException | null)?.code === 'EPIPE') return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return `runlens: internal error: ${oneLine(redact(message))} (run with --debug for details)`;
}

/** Prints the error (with its stack under --debug) and returns the exit code. */
export function reportError(error: unknown, stderr: OutputStream, debug: boolean): number {
  const line = errorLine(error);
  if (line !== undefined) stderr.write(`${line}\n`);
  if (debug && line !== undefined && !isUsageError(error)) {
    for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
      stderr.write(`${depth === 0 ? '' : 'caused by: '}${redact(e.stack ?? String(e))}\n`);
    }
  }
  return exitCodeFor(error);
}
