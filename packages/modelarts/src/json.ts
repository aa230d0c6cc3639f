// Defensive reading of ModelArts JSON: integers beyond 2^53 (the v1 log API's 19-digit `start_line`)
// must not be rounded, and numbers arrive as strings as often as as numbers.
import { isSafeNumber, parse } from 'lossless-json';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * Parses with lossless-json: numbers that fit a double exactly become numbers, the others (19-digit
 * line ids, huge byte counts) stay as their decimal text.
 */
export function parseLossless(text: string): Json {
  return parse(text, undefined, (value: string) => (isSafeNumber(value, { approx: true }) ? Number(value) : value)) as Json;
}

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

/** A number from a number or a numeric string (`"2048"`); undefined otherwise. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '' && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value.trim())) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A string (numbers are kept as their text, so a 19-digit id survives). */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
