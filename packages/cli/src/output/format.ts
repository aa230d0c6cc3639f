// Small formatters shared by the commands. No dependency on @runlens/core, so they load instantly.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `512 B`, `1.5 KiB`, `3.2 GiB`; `-` when unknown. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '-';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** A metric value, short but faithful: integers as they are, others to 6 significant digits. */
export function formatValue(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/**
 * Numbers that share a column, to one precision: as many decimals as the most precise of them needs
 * (each to 6 significant digits, at most 6 decimals), so that the points line up. Text, `null` and
 * numbers too large or too small for decimals keep their own form.
 */
export function formatColumn(values: readonly (number | string | null | undefined)[]): string[] {
  const decimals = Math.min(6, Math.max(0, ...values.map(decimalsOf)));
  return values.map((value) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || decimalsOf(value) < 0) return formatValue(value);
    const fixed = value.toFixed(decimals);
    // A tiny non-zero value would read as 0 at this precision: it keeps its own form.
    return value !== 0 && Number(fixed) === 0 ? formatValue(value) : fixed;
  });
}

/** Decimals `formatValue` gives a number; -1 for exponent notation or a non-number. */
function decimalsOf(value: number | string | null | undefined): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return -1;
  const text = formatValue(value);
  if (/e/i.test(text)) return -1;
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** ISO time without milliseconds for tables: `2026-11-28T10:00:00Z`; `-` when unknown. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '-';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One field of a CSV row, quoted when it has to be. */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly (string | number | undefined | null)[]): string {
  return values.map(csvField).join(',');
}

/** `1 run`, `2 runs`. */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}
