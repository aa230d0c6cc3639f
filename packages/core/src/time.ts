import { invalidInput } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30m`, `2h`, `7d`, `1h30m`, or an ISO 8601 duration (`PT30M`, `P7D`). Returns milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const compact = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/i;
  if (compact.test(trimmed)) {
    let total = 0;
    for (const [, amount, unit] of trimmed.toLowerCase().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) {
      total += Number(amount) * UNIT_MS[unit as string]!;
    }
    return Math.round(total);
  }
  const iso = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(trimmed);
  if (iso && trimmed.length > 1 && !/T$/i.test(trimmed)) {
    const [, w, d, h, m, s] = iso;
    return Math.round(
      Number(w ?? 0) * UNIT_MS.w! + Number(d ?? 0) * UNIT_MS.d! + Number(h ?? 0) * UNIT_MS.h! + Number(m ?? 0) * UNIT_MS.m! + Number(s ?? 0) * UNIT_MS.s!,
    );
  }
  throw invalidInput(`invalid duration '${text}' (use e.g. 30m, 2h, 7d or PT30M)`);
}

/**
 * A point in time: a duration back from `now` (`30m`, `2h`, `7d`), an ISO 8601 date or date-time,
 * or epoch milliseconds. Returns epoch milliseconds. Times without a zone are UTC.
 */
export function parseTime(text: string, now: number = Date.now()): number {
  const trimmed = text.trim();
  if (/^\d{12,}$/.test(trimmed)) return Number(trimmed);
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    // A date-time without a zone is UTC, like a date alone and like every time runlens prints
    // (Date.parse would read it as the machine's local time).
    const zoneless = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(trimmed);
    const parsed = Date.parse(zoneless ? `${trimmed.replace(' ', 'T')}Z` : trimmed);
    if (!Number.isNaN(parsed)) return parsed;
    throw invalidInput(`invalid time '${text}' (use an ISO 8601 time such as 2026-11-28T10:00:00Z, or a duration such as 30m)`);
  }
  try {
    return now - parseDuration(trimmed);
  } catch {
    throw invalidInput(`invalid time '${text}' (use a duration such as 30m, 2h, 7d, or an ISO 8601 time)`);
  }
}

export function toIso(epochMs: number | undefined | null): string | undefined {
  if (epochMs === undefined || epochMs === null || !Number.isFinite(epochMs)) return undefined;
  return new Date(epochMs).toISOString();
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}
