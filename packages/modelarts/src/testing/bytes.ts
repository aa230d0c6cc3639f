/** Byte sources behind task logs and OBS objects: in-memory text or lazily generated content. */

export interface ByteSource {
  size(): number;
  /** Exactly `length` bytes starting at `offset` (the caller keeps the range in bounds). */
  read(offset: number, length: number): Buffer;
}

/** A log whose bytes are computed on demand, so a 200 MB log costs no memory. */
export interface LazyLog {
  size: number;
  generate(offset: number, length: number): Uint8Array | string;
}

/** A log that grows by appends (a running task writing stdout). */
export class GrowingLog implements ByteSource {
  #bytes: Buffer;

  constructor(text: string | Uint8Array = '') {
    this.#bytes = Buffer.from(text);
  }

  append(text: string | Uint8Array): void {
    this.#bytes = Buffer.concat([this.#bytes, Buffer.from(text)]);
  }

  size(): number {
    return this.#bytes.length;
  }

  read(offset: number, length: number): Buffer {
    return this.#bytes.subarray(offset, offset + length);
  }
}

export function lazySource(log: LazyLog): ByteSource {
  return {
    size: () => log.size,
    read(offset, length) {
      const chunk = Buffer.from(log.generate(offset, length));
      if (chunk.length < length) throw new Error(`lazy log generated ${chunk.length} bytes, ${length} requested at ${offset}`);
      return chunk.subarray(0, length);
    },
  };
}

export function toByteSource(body: string | Uint8Array | LazyLog): ByteSource {
  return typeof body === 'string' || body instanceof Uint8Array ? new GrowingLog(body) : lazySource(body);
}

/** UTF-8 decode the way a JSON-producing server must: bytes of a cut character become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
}

/** Not a divisor of 5 MiB, so a capped preview starts mid-line as the real one may. */
export const SYNTHETIC_LINE_WIDTH = 120;
const LINE_INTERVAL_MS = 250;
const CHINA_OFFSET_MS = 8 * 3600 * 1000;

/** Line `index` of a synthetic log: the reference text every fast path must reproduce byte for byte. */
export function syntheticLine(options: { task: string; startMs: number }, index: number): string {
  const stamp = modelartsTimestamp(options.startMs + index * LINE_INTERVAL_MS);
  const loss = (2.5 / Math.sqrt(index + 1)).toFixed(6);
  const text = `[ModelArts Service Log][INFO][${stamp}] ${options.task} step=${String(index).padStart(9, '0')} loss=${loss}`;
  return `${text.slice(0, SYNTHETIC_LINE_WIDTH - 1).padEnd(SYNTHETIC_LINE_WIDTH - 1, ' ')}\n`;
}

const SERVICE_PREFIX = '[ModelArts Service Log][INFO][';

/**
 * Fixed-width ASCII training-log lines, each with a ModelArts timestamp, so any byte range
 * can be produced without the bytes before it. Lines are `SYNTHETIC_LINE_WIDTH` bytes
 * including `\n`; a size that is not a multiple of it ends mid-line. The text is
 * `syntheticLine`'s; it is produced by copying a line template and writing the digits in
 * place, so serving a 200 MB log costs the emulator little CPU.
 */
export function syntheticLog(options: { size: number; task: string; startMs: number }): LazyLog {
  const stampAt = SERVICE_PREFIX.length;
  const taskAt = stampAt + 23 + 2;
  const stepAt = taskAt + options.task.length + ' step='.length;
  const lossAt = stepAt + 9 + ' loss='.length;
  const fast = /^[\x20-\x7e]*$/.test(options.task) && lossAt + 8 <= SYNTHETIC_LINE_WIDTH - 1 && options.startMs >= 0;
  if (!fast) {
    return {
      size: options.size,
      generate(offset, length) {
        const first = Math.floor(offset / SYNTHETIC_LINE_WIDTH);
        const last = Math.floor((offset + length - 1) / SYNTHETIC_LINE_WIDTH);
        const parts: string[] = [];
        for (let index = first; index <= last; index += 1) parts.push(syntheticLine(options, index));
        const start = offset - first * SYNTHETIC_LINE_WIDTH;
        return Buffer.from(parts.join(''), 'ascii').subarray(start, start + length);
      },
    };
  }
  const template = Buffer.alloc(SYNTHETIC_LINE_WIDTH, 0x20);
  template.write(SERVICE_PREFIX, 0, 'latin1');
  template.write(`] ${options.task} step=`, stampAt + 23, 'latin1');
  template.write(' loss=', stepAt + 9, 'latin1');
  template[SYNTHETIC_LINE_WIDTH - 1] = 0x0a;
  let day = Number.NaN;
  const dayText = Buffer.alloc(10);
  return {
    size: options.size,
    generate(offset, length) {
      const first = Math.floor(offset / SYNTHETIC_LINE_WIDTH);
      const last = Math.floor((offset + length - 1) / SYNTHETIC_LINE_WIDTH);
      const out = Buffer.allocUnsafe((last - first + 1) * SYNTHETIC_LINE_WIDTH);
      for (let index = first; index <= last; index += 1) {
        const at = (index - first) * SYNTHETIC_LINE_WIDTH;
        template.copy(out, at);
        // `YYYY/MM/DD HH:MM:SS,mmm` in China time
        const local = options.startMs + index * LINE_INTERVAL_MS + CHINA_OFFSET_MS;
        const d = Math.floor(local / 86_400_000);
        if (d !== day) {
          day = d;
          dayText.write(modelartsTimestamp(d * 86_400_000 - CHINA_OFFSET_MS).slice(0, 10), 0, 'latin1');
        }
        dayText.copy(out, at + stampAt);
        const inDay = local - d * 86_400_000;
        const secs = Math.floor(inDay / 1000);
        writeDigits(out, at + stampAt + 11, Math.floor(secs / 3600), 2);
        out[at + stampAt + 13] = 0x3a;
        writeDigits(out, at + stampAt + 14, Math.floor(secs / 60) % 60, 2);
        out[at + stampAt + 16] = 0x3a;
        writeDigits(out, at + stampAt + 17, secs % 60, 2);
        out[at + stampAt + 19] = 0x2c;
        writeDigits(out, at + stampAt + 20, inDay % 1000, 3);
        writeDigits(out, at + stepAt, index, 9);
        out.write((2.5 / Math.sqrt(index + 1)).toFixed(6), at + lossAt, 8, 'latin1');
      }
      const start = offset - first * SYNTHETIC_LINE_WIDTH;
      return out.subarray(start, start + length);
    },
  };
}

function writeDigits(out: Buffer, at: number, value: number, width: number): void {
  let v = value;
  for (let k = width - 1; k >= 0; k--) {
    out[at + k] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
}

/** `2021/05/18 14:28:14,207` in China time, the format of `[ModelArts Service Log]` lines. */
export function modelartsTimestamp(epochMs: number): string {
  const iso = new Date(epochMs + CHINA_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '/')} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}

/** ISO-8601 with `+08:00`, the format of v2 event times. */
export function chinaIsoTime(epochMs: number): string {
  return `${new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}
