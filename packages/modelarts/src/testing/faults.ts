/** Error and latency injection, checked before authentication on every request. */
import type { ServerResponse } from 'node:http';
import { FaultPlan, type FaultHandle, type FiredFault } from '@runlens/core/emulator';

export type { FaultHandle };

/**
 * `truncated`: an OBS bucket listing answers 200 with `IsTruncated` true, no objects and no
 * NextMarker (a page that claims more but gives no way on); other OBS requests are answered
 * normally, API calls with a 503.
 */
export type FaultKind = 'throttle429' | 'throttle2799' | '500' | '503' | 'drop' | 'slow' | 'cut' | 'truncated';

export interface FaultSpec {
  /** Request target (path + query) to match: substring for a string, test() for a RegExp. Default: all. */
  path?: RegExp | string;
  /** The fault; or give `sequence`. */
  kind?: FaultKind;
  /** Clustered faults on consecutive matching requests (see core's FaultRule); `times` counts clusters. */
  sequence?: readonly FaultKind[];
  /** Fire at most this many times. Default: until cleared. */
  times?: number;
  /** Fire on every Nth matching request only (N, 2N, ...). Default 1. */
  every?: number;
  /** `slow`: delay before the normal answer (default 1000 ms). `throttle429`: sets Retry-After. */
  delayMs?: number;
}

export interface Faults {
  inject(spec: FaultSpec): FaultHandle;
  clear(): void;
}

/** When faults fire is core's shared FaultPlan; `faultAnswer` decides what each looks like on ModelArts' wire. */
export class FaultInjector implements Faults {
  readonly #plan = new FaultPlan<FaultKind>(['throttle429', 'throttle2799', '500', '503', 'drop', 'slow', 'cut', 'truncated']);

  inject(spec: FaultSpec): FaultHandle {
    const { path, ...rule } = spec;
    return this.#plan.inject({ ...rule, match: path });
  }

  clear(): void {
    this.#plan.clear();
  }

  /** The first injected fault that fires for this request target, counting it. */
  take(target: string): FiredFault<FaultKind> | undefined {
    return this.#plan.take(target);
  }
}

export interface FaultAnswer {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/**
 * `cut`: the normal answer, but the connection is closed after half of its body (a reset in the
 * middle of a download). Needs a content-length, which every emulator answer has.
 */
export function cutHalfway(res: ServerResponse): void {
  res.setHeader('x-emulator-fault', 'cut');
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  let left: number | undefined;
  let cut = false;
  const close = () => {
    cut = true;
    // end(), not destroy(): what was written (headers, half the body) still goes out first.
    res.socket?.end();
  };
  res.write = ((chunk: string | Uint8Array) => {
    if (cut) return false;
    const bytes = Buffer.from(chunk);
    if (left === undefined) {
      const length = Number(res.getHeader('content-length'));
      left = Number.isFinite(length) ? Math.floor(length / 2) : 0;
    }
    if (bytes.length >= left) {
      if (left > 0) write(bytes.subarray(0, left));
      close();
      return false;
    }
    left -= bytes.length;
    return write(bytes);
  }) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    if (chunk !== undefined && typeof chunk !== 'function') res.write(chunk as Uint8Array);
    if (!cut) close();
    return res;
  }) as typeof res.end;
}

/** The error a fault answers with: ModelArts/API Gateway JSON, or S3-style codes under /obs. */
export function faultAnswer(spec: FiredFault<FaultKind>, obs: boolean): FaultAnswer {
  const throttled = spec.kind === 'throttle429' || spec.kind === 'throttle2799';
  if (obs) {
    if (throttled) return { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.', headers: {} };
    if (spec.kind === '500') return { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.', headers: {} };
    return { status: 503, code: 'ServiceUnavailable', message: 'Service is unable to handle request.', headers: {} };
  }
  if (spec.kind === 'throttle429') {
    const retryAfter = String(Math.max(1, Math.ceil(spec.delayMs / 1000)));
    return { status: 429, code: 'ModelArts.2799', message: 'Too many requests', headers: { 'retry-after': retryAfter } };
  }
  if (spec.kind === 'throttle2799') return { status: 429, code: 'ModelArts.2799', message: 'Too many requests', headers: {} };
  if (spec.kind === '500') return { status: 500, code: 'ModelArts.0010', message: 'Internal service error.', headers: {} };
  return { status: 503, code: 'APIGW.0201', message: 'Backend unavailable.', headers: {} };
}
