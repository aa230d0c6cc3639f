import { redact } from './redact.js';

/** The error taxonomy shared by every provider. The CLI maps each code to an exit code. */
export type ErrorCode = 'NotFound' | 'AuthError' | 'Throttled' | 'InvalidInput' | 'Unsupported' | 'ProviderError' | 'Interrupted';

const BRAND = Symbol.for('runlens.error');

export interface RunlensErrorOptions {
  readonly provider?: string;
  /** The run id (or ref) the failed call was about. */
  readonly run?: string;
  /** The provider's own code: `ThrottlingException`, `ModelArts.2775`, `APIGW.0301`, `ResourceNotFound`. */
  readonly providerCode?: string;
  readonly status?: number;
  /** Whether repeating the same call may succeed (throttling, 5xx, dropped connections). */
  readonly retryable?: boolean;
  /** Server-requested delay (Retry-After). */
  readonly retryAfterMs?: number;
  /** For corrupt input files: which file and line. */
  readonly file?: string;
  readonly line?: number;
  readonly cause?: unknown;
}

/**
 * Base of every error runlens raises. Checked with `RunlensError.isInstance(e)` (a brand), not
 * `instanceof`, so that two copies of @runlens/core in one app still recognise each other's errors.
 * The message is redacted on construction: it can be printed as is.
 */
export class RunlensError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly provider?: string;
  readonly run?: string;
  readonly providerCode?: string;
  readonly status?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly file?: string;
  readonly line?: number;

  constructor(code: ErrorCode, message: string, options: RunlensErrorOptions = {}) {
    super(redact(composeMessage(message, options)), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = `${code}Error`;
    this.code = code;
    this.provider = options.provider;
    this.run = options.run;
    this.providerCode = options.providerCode;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.file = options.file;
    this.line = options.line;
  }

  static isInstance(value: unknown): value is RunlensError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** A copy naming the run and provider, for errors raised below the point that knew them. */
  withContext(context: { provider?: string; run?: string }): RunlensError {
    if ((this.provider || !context.provider) && (this.run || !context.run)) return this;
    return new RunlensError(this.code, this.detail, {
      ...this.options(),
      provider: this.provider ?? context.provider,
      run: this.run ?? context.run,
    });
  }

  /** The message without its `provider run id: ` prefix. */
  get detail(): string {
    const prefix = contextPrefix(this.provider, this.run);
    return prefix && this.message.startsWith(prefix) ? this.message.slice(prefix.length) : this.message;
  }

  private options(): RunlensErrorOptions {
    return {
      provider: this.provider,
      run: this.run,
      providerCode: this.providerCode,
      status: this.status,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      file: this.file,
      line: this.line,
      cause: this.cause,
    };
  }
}

function contextPrefix(provider?: string, run?: string): string {
  if (provider && run) return `${provider} run ${run}: `;
  if (provider) return `${provider}: `;
  if (run) return `run ${run}: `;
  return '';
}

function composeMessage(message: string, options: RunlensErrorOptions): string {
  const code = options.providerCode && !message.includes(options.providerCode) ? ` [${options.providerCode}]` : '';
  return `${contextPrefix(options.provider, options.run)}${message}${code}`;
}

export const notFound = (message: string, options?: RunlensErrorOptions) => new RunlensError('NotFound', message, options);
export const authError = (message: string, options?: RunlensErrorOptions) => new RunlensError('AuthError', message, options);
export const throttled = (message: string, options?: RunlensErrorOptions) =>
  new RunlensError('Throttled', message, { retryable: true, ...options });
export const invalidInput = (message: string, options?: RunlensErrorOptions) => new RunlensError('InvalidInput', message, options);
export const unsupported = (message: string, options?: RunlensErrorOptions) => new RunlensError('Unsupported', message, options);
export const providerError = (message: string, options?: RunlensErrorOptions) => new RunlensError('ProviderError', message, options);
export const interrupted = (message = 'interrupted', options?: RunlensErrorOptions) => new RunlensError('Interrupted', message, options);

const NETWORK_CODES = new Set([
  ...['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'],
  // undici: a socket closed or timed out, or a body shorter or longer than its Content-Length (a cut-off download).
  ...['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'],
]);

/** Network failures below HTTP (reset, refused, timed out, cut off) are provider errors worth retrying. */
export function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    NETWORK_CODES.has(code)
  );
}
