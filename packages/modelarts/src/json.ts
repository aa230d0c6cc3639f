// Defensive reading of ModelArts JSON: integers beyond 2^53 (the v1 log API's 19-digit `start_line`)
// must not be rounded, and numbers arrive as strings as often as as numbers.
import { jsonStringEnd } from '@runlens/core';
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

/** The raw JSON text of each member of a top-level object, for reading a few small members of a large answer. */
export interface TopLevelMembers {
  /** The member's value, parsed (JSON.parse of its text), or undefined when the object has no such key. */
  value(key: string): Json | undefined;
}

const QUOTE = 0x22;

/**
 * The members of the JSON object in `bytes`, found without parsing their values: a string value is
 * skipped with native searches for its closing quote, so a 5 MB string costs a scan, not a decode.
 * Only a flat object of strings, numbers, booleans and nulls is read this way; anything else
 * (nested values, a syntax this scan does not expect) gives undefined, and the caller parses the
 * whole text. A value read later is parsed by JSON.parse from its own text: the same answer JSON.parse
 * of the whole object gives (for a key given twice, the last one, as JSON.parse).
 */
export function topLevelMembers(bytes: Buffer): TopLevelMembers | undefined {
  const members = new Map<string, [number, number]>();
  let i = skipSpace(bytes, 0);
  if (bytes[i] !== 0x7b /* { */) return undefined;
  i = skipSpace(bytes, i + 1);
  if (bytes[i] === 0x7d /* } */) return finish(bytes, i + 1, members);
  for (;;) {
    if (bytes[i] !== QUOTE) return undefined;
    const keyEnd = jsonStringEnd(bytes, i);
    if (keyEnd < 0) return undefined;
    let key: unknown;
    try {
      key = JSON.parse(bytes.toString('utf8', i, keyEnd));
    } catch {
      return undefined;
    }
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== 0x3a /* : */) return undefined;
    const start = skipSpace(bytes, i + 1);
    let end: number;
    if (bytes[start] === QUOTE) end = jsonStringEnd(bytes, start);
    else {
      // A number, true, false or null: up to the next delimiter (JSON.parse checks it when read).
      end = start;
      while (end < bytes.length && bytes[end] !== 0x2c && bytes[end] !== 0x7d && !isSpace(bytes[end]!)) {
        if (bytes[end] === 0x7b || bytes[end] === 0x5b || bytes[end] === QUOTE) return undefined;
        end++;
      }
      if (end === start) return undefined;
    }
    if (end < 0) return undefined;
    members.set(key as string, [start, end]);
    i = skipSpace(bytes, end);
    if (bytes[i] === 0x2c /* , */) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    if (bytes[i] === 0x7d) return finish(bytes, i + 1, members);
    return undefined;
  }
}

function finish(bytes: Buffer, i: number, members: Map<string, [number, number]>): TopLevelMembers | undefined {
  if (skipSpace(bytes, i) !== bytes.length) return undefined;
  return {
    value(key) {
      const at = members.get(key);
      return at ? (JSON.parse(bytes.toString('utf8', at[0], at[1])) as Json) : undefined;
    },
  };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(bytes: Buffer, i: number): number {
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  return i;
}
