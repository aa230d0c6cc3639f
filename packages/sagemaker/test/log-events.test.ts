// The GetLogEvents body scanner against JSON.parse, the reference: the same events and tokens for
// every body it reads, and a decline (the SDK parses instead) for every form it does not expect.
import { describe, expect, it } from 'vitest';
import { isUtf8 } from 'node:buffer';
import { eventMessage, scanGetLogEvents, type EventsPage } from '../src/log-events.js';

/** What JSON.parse makes of the body, in the scanner's shape. */
function reference(body: string) {
  const parsed = JSON.parse(body) as { events: { timestamp: number; message: string }[]; nextForwardToken?: string; nextBackwardToken?: string };
  return {
    timestamps: parsed.events.map((e) => e.timestamp),
    messages: parsed.events.map((e) => e.message),
    ...(parsed.nextForwardToken !== undefined ? { nextForwardToken: parsed.nextForwardToken } : {}),
    ...(parsed.nextBackwardToken !== undefined ? { nextBackwardToken: parsed.nextBackwardToken } : {}),
  };
}

/** The scanner's columns read back as the reference's shape (messages decoded from its bytes). */
function asRead(page: EventsPage | undefined) {
  if (page === undefined) return undefined;
  const { timestamps, bytes, starts, ends, ...tokens } = page;
  expect(isUtf8(bytes)).toBe(true);
  // Messages lie in order, back to back: the buffer holds nothing else.
  for (let i = 0; i < starts.length; i++) expect(starts[i]).toBe(i === 0 ? 0 : ends[i - 1]);
  expect(bytes.length).toBe(ends.length === 0 ? 0 : ends[ends.length - 1]);
  return { timestamps: Array.from(timestamps), messages: Array.from(timestamps, (_, i) => eventMessage(page, i)), ...tokens };
}

/** A deterministic generator of awkward messages: every control character, quotes, backslashes, BMP and astral characters. */
function messages(count: number): string[] {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const pool = ['"', '\\', '/', '\u0000', '\u001f', '\t', '\n', 'é', '日', '😀', '\u2028', '\ufeff', 'a', ' ', '}', ']', ',', ':'];
  return Array.from({ length: count }, () => Array.from({ length: next() % 40 }, () => (next() % 3 === 0 ? pool[next() % pool.length] : String.fromCharCode(32 + (next() % 95)))).join(''));
}

describe('scanGetLogEvents', () => {
  it('reads what JSON.parse reads, escapes and all, compact or spaced out', () => {
    const events = messages(2_000).map((message, i) => ({ timestamp: 1_741_000_000_000 + Math.floor(i / 3), message, ingestionTime: 1_741_000_000_500 + i }));
    const page = { events, nextForwardToken: 'f/00000000000000000000000000000000000000000000000000000001/s', nextBackwardToken: 'b/1/s' };
    for (const body of [JSON.stringify(page), JSON.stringify(page, null, 2), JSON.stringify({ nextBackwardToken: page.nextBackwardToken, events: [], nextForwardToken: page.nextForwardToken })]) {
      expect(asRead(scanGetLogEvents(Buffer.from(body)))).toEqual(reference(body));
    }
  });

  it('reads over 1,024 events (its columns grow), messages missing or given twice, and bytes that are not UTF-8 as U+FFFD', () => {
    const events = Array.from({ length: 2_500 }, (_, i) => ({ timestamp: 1_741_000_000_000 + i, message: i % 7 === 0 ? `line ${i} "q"` : `line ${i}` }));
    const body = JSON.stringify({ events, nextForwardToken: 'f/2' });
    expect(asRead(scanGetLogEvents(Buffer.from(body)))).toEqual(reference(body));
    const odd = '{"events":[{"timestamp":5},{"timestamp":6,"message":"a\\nb","message":"c"}],"nextForwardToken":"f"}';
    expect(asRead(scanGetLogEvents(Buffer.from(odd)))).toEqual({ timestamps: [5, 6], messages: ['', 'c'], nextForwardToken: 'f' });
    const invalid = Buffer.concat([Buffer.from('{"events":[{"timestamp":1,"message":"ok"},{"timestamp":2,"message":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('b"}]}')]);
    expect(asRead(scanGetLogEvents(invalid))).toEqual({ timestamps: [1, 2], messages: ['ok', 'a\ufffd\ufffdb'] });
  });

  it('declines what it does not expect, so the SDK parses it', () => {
    const declined = [
      '{"events":[{"timestamp":1,"message":"a","eventId":"x"}]}',
      '{"events":[{"timestamp":1,"message":null}]}',
      '{"events":[{"timestamp":1.5,"message":"a"}]}',
      '{"events":[{"timestamp":1e3,"message":"a"}]}',
      '{"events":[{"timestamp":12345678901234567,"message":"a"}]}',
      '{"ev\\u0065nts":[]}',
      '{"events":[],"nextForwardToken":"f"} trailing',
      '{"events":[{"timestamp":1,"message":"cut off',
      '[]',
    ];
    for (const body of declined) expect(scanGetLogEvents(Buffer.from(body)), body).toBeUndefined();
  });
});
