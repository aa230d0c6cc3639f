// Deterministic building blocks for scenarios: a seeded PRNG, log-line writers, time formats,
// generated object bodies and a tiny tar.gz writer for real-looking artifacts.

import { gzipSync } from 'node:zlib';
import type { LogEventInput } from './logs.js';
import type { ObjectBody } from './s3.js';

/** Seeded PRNG shared by every emulator (mulberry32). */
export { seededRandom as prng } from '@runlens/core/emulator';

/** A stateless 32-bit hash of two integers, for values computed from an index. */
export function hash32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Collects one stream's events; ingestion lags the event time by a few hundred ms, like the agent. */
export class StreamWriter {
  readonly events: LogEventInput[] = [];

  constructor(private readonly seed: number) {}

  line(timestamp: number, message: string): this {
    const lag = 150 + (hash32(this.seed, this.events.length) % 600);
    this.events.push({ timestamp, message, ingestionTime: timestamp + lag });
    return this;
  }

  /** Several lines flushed together: they share one timestamp. */
  burst(timestamp: number, messages: readonly string[]): this {
    for (const message of messages) this.line(timestamp, message);
    return this;
  }
}

/** `2025-03-03 09:03:14,201`, the Python logging format used by the SageMaker training toolkit. */
export function toolkitTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ').replace('.', ',');
}

/** `10/16/2017 23:45:17`, the format of the 2017 built-in algorithm containers. */
export function builtinTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)} ${iso.slice(11, 19)}`;
}

export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** A lazily generated body: byte p is a hash of (seed, p / 4), so any range can be produced independently. */
export function generatedBody(seed: number, size: number): Exclude<ObjectBody, Buffer> {
  return { size, generate: (offset, length) => generatedBytes(seed, offset, length) };
}

export function generatedBytes(seed: number, offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i += 1) {
    const position = offset + i;
    out[i] = (hash32(seed, Math.floor(position / 4)) >>> ((position % 4) * 8)) & 0xff;
  }
  return out;
}

/** A real (ustar) tar.gz holding the given files, so artifacts extract like SageMaker's. */
export function tarGz(files: Record<string, string | Buffer>, mtimeMs: number): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write(`${Math.floor(mtimeMs / 1000).toString(8).padStart(11, '0')}\0`, 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\u000000', 257);
    header.write('root', 265);
    header.write('root', 297);
    let checksum = 0;
    for (const byte of header) checksum += byte;
    header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}
