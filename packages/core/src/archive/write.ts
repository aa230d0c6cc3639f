import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { invalidInput } from '../errors.js';
import { localFileError, onLocalFiles } from '../local-files.js';
import type { ArtifactBody } from '../model/artifact.js';
import { ARCHIVE_FILES, fileSlug } from './format.js';

/**
 * Resolves on whichever event comes first and removes both listeners. (`Promise.race` of two
 * `events.once` leaves the loser's listeners behind: one pair per back-pressure wait, a leak that grew
 * with the export and tripped Node's MaxListeners warning.) Errors are caught by the writer's own
 * listener, and an errored stream emits 'close'.
 */
function firstOf(stream: WriteStream, a: string, b: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off(a, done);
      stream.off(b, done);
      resolve();
    };
    stream.on(a, done);
    stream.on(b, done);
  });
}

/** A line-oriented file writer that respects back-pressure, so exports stay in constant memory. */
export class JsonlWriter {
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  lines = 0;
  constructor(file: string) {
    this.stream = createWriteStream(file, { encoding: 'utf8' });
    // Kept until the next write or close, which throws it: an error event must never go unheard.
    this.stream.on('error', (e) => (this.failure ??= e));
  }
  async write(value: unknown): Promise<void> {
    if (this.failure) throw this.failure;
    this.lines++;
    if (!this.stream.write(`${JSON.stringify(value)}\n`)) await firstOf(this.stream, 'drain', 'close');
    if (this.failure) throw this.failure;
  }
  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    this.stream.end();
    await firstOf(this.stream, 'finish', 'close');
    if (this.failure) throw this.failure;
  }
}

/** Per-node log files, opened on first use. */
export class NodeLogFiles {
  private readonly writers = new Map<string, JsonlWriter>();
  private readonly names = new Set<string>();
  constructor(private readonly dir: string) {}
  async write(node: string, record: unknown): Promise<void> {
    let writer = this.writers.get(node);
    if (!writer) {
      let name = `${fileSlug(node)}.jsonl`;
      for (let i = 2; this.names.has(name); i++) name = `${fileSlug(node)}-${i}.jsonl`;
      this.names.add(name);
      writer = new JsonlWriter(path.join(this.dir, name));
      this.writers.set(node, writer);
    }
    await writer.write(record);
  }
  get nodes(): number {
    return this.writers.size;
  }
  /** The log file names written, sorted (listed in archive.json so a reader can tell one is missing). */
  get files(): string[] {
    return [...this.names].sort();
  }
  async close(): Promise<void> {
    const results = await Promise.allSettled([...this.writers.values()].map((w) => w.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

const EXPORT_SIDE = 'export directory';

/**
 * Where an export is written: a hidden directory beside the target, renamed onto it only when every
 * file is complete, so an interrupted export (Ctrl-C, a network failure) never leaves a directory that
 * reads as an archive.
 */
export interface ArchiveStaging {
  /** The final directory. */
  readonly dir: string;
  /** Where files are written until commit. */
  readonly staging: string;
  commit(): Promise<void>;
  /** Removes the staging directory; safe to call after commit. */
  abandon(): Promise<void>;
}

/**
 * Refuses to overwrite anything: the target must be missing or an empty directory, unless `replace`
 * is set and the target is itself a run archive (never a directory of other files).
 */
export async function stageArchive(dir: string, options: { replace?: boolean } = {}): Promise<ArchiveStaging> {
  if (dir.trim() === '') throw invalidInput('the export directory is empty; give a path');
  const target = path.resolve(dir);
  const existing = await onLocalFiles(EXPORT_SIDE, () => inspect(target));
  if (existing === 'file') throw invalidInput(`export directory '${dir}' is a file; choose a new directory`);
  if (existing === 'non-empty') {
    if (!options.replace) throw invalidInput(`export directory '${dir}' is not empty; choose a new directory (or --overwrite to replace an earlier export)`);
    if (!(await stat(path.join(target, ARCHIVE_FILES.run)).catch(() => undefined))) {
      throw invalidInput(`export directory '${dir}' is not empty and is not a run archive; runlens replaces only an earlier export`);
    }
  }
  const parent = path.dirname(target);
  const base = path.basename(target);
  const staging = await onLocalFiles(EXPORT_SIDE, async () => {
    await mkdir(parent, { recursive: true });
    // Not mkdtemp: its 0700 mode would become the archive's; mkdir honours the umask like any folder.
    const made = path.join(parent, `.${base}.runlens-partial-${randomBytes(4).toString('hex')}`);
    await mkdir(made);
    for (const sub of [ARCHIVE_FILES.logsDir, ARCHIVE_FILES.metricsDir, ARCHIVE_FILES.artifactsDir]) await mkdir(path.join(made, sub));
    return made;
  });
  let committed = false;
  return {
    dir: target,
    staging,
    async commit() {
      await onLocalFiles(EXPORT_SIDE, async () => {
        const now = await inspect(target);
        if (now === 'non-empty' && options.replace && existing === 'non-empty') {
          // Swap: the earlier export moves aside and is removed only once the new one is in place.
          const old = `${path.join(parent, `.${base}.runlens-old-`)}${randomBytes(4).toString('hex')}`;
          await rename(target, old);
          await rename(staging, target);
          await rm(old, { recursive: true, force: true });
        } else if (now === 'non-empty' || now === 'file') {
          throw invalidInput(`export directory '${dir}' was filled by something else during the export; nothing was written to it`);
        } else {
          // rename(2) replaces an empty directory atomically.
          await rename(staging, target);
        }
      });
      committed = true;
    },
    async abandon() {
      if (!committed) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

async function inspect(target: string): Promise<'missing' | 'file' | 'empty' | 'non-empty'> {
  let info;
  try {
    info = await stat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  if (!info.isDirectory()) return 'file';
  return (await readdir(target)).length === 0 ? 'empty' : 'non-empty';
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
}

/** Whether an artifact path stays inside the directory it is written to (no `..`, no absolute path). */
export function isSafeArtifactPath(relative: string): boolean {
  if (relative === '' || relative.startsWith('/') || relative.includes('\0')) return false;
  return relative.split('/').every((segment) => segment !== '..' && segment !== '.');
}

/** Resolves an artifact path under `root`, refusing any that would escape it. */
export function safeJoin(root: string, relative: string): string {
  const target = path.resolve(root, ...relative.split('/'));
  const base = path.resolve(root);
  if (!isSafeArtifactPath(relative) || (target !== base && !target.startsWith(base + path.sep)) || target === base) {
    throw invalidInput(`artifact path '${relative}' leaves the target directory`);
  }
  return target;
}

export interface StreamedFile {
  /** The temporary file beside the target, complete and closed. */
  readonly temp: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * Streams an artifact body to a temporary file beside `file`, hashing it on the way; never holds the
 * whole file in memory. Failures of the body (the provider) are passed through `bodyError`; failures
 * of the file system name the path and `side`. The caller moves the result into place (`placeFile`)
 * or discards it.
 */
export async function streamToTemp(
  body: ArtifactBody,
  file: string,
  options: { side: string; onBytes?: (bytes: number) => void; bodyError?: (error: unknown) => unknown },
): Promise<StreamedFile> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.part`);
  const handle = await onLocalFiles(options.side, async () => {
    await mkdir(path.dirname(file), { recursive: true });
    return open(temp, 'wx');
  }).catch(async (e: unknown) => {
    await release(body.body);
    throw e;
  });
  const hash = createHash('sha256');
  let size = 0;
  const chunks = body.body[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (e) {
        throw options.bodyError ? options.bodyError(e) : e;
      }
      if (next.done) break;
      const chunk = next.value;
      hash.update(chunk);
      size += chunk.byteLength;
      await onLocalFiles(options.side, () => handle.write(chunk), temp);
      options.onBytes?.(chunk.byteLength);
    }
    await onLocalFiles(options.side, () => handle.close(), temp);
  } catch (e) {
    await release(body.body, chunks);
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
  return { temp, size, sha256: hash.digest('hex') };
}

/**
 * Lets go of a body that will not be read to its end: a file's read stream would otherwise keep its
 * descriptor until garbage collection (which Node warns about on stderr), a response its socket.
 */
async function release(body: AsyncIterable<Uint8Array>, chunks?: AsyncIterator<Uint8Array>): Promise<void> {
  const destroy = (body as { destroy?: () => void }).destroy;
  if (typeof destroy === 'function') destroy.call(body);
  else await (chunks ?? body[Symbol.asyncIterator]()).return?.().catch(() => undefined);
}

/** Moves a finished temporary file onto its target (replacing a file there, which the caller allowed). */
export async function placeFile(temp: string, file: string, side: string): Promise<void> {
  try {
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw localFileError(e, side, file) ?? e;
  }
}

/** What is at an artifact's target: nothing, a file (with its size), or something that is not a file. */
export async function existingFile(file: string, side: string): Promise<{ size: number } | 'missing' | 'not-a-file'> {
  try {
    const info = await lstat(file);
    return info.isFile() ? { size: info.size } : 'not-a-file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    // A path under a file (ENOTDIR) cannot hold the artifact either.
    if (code === 'ENOTDIR') return 'not-a-file';
    throw localFileError(e, side, file) ?? e;
  }
}

/** A hex digest of a local file, streamed. */
export async function hashFile(file: string, algorithm: 'sha256' | 'md5', side: string): Promise<string> {
  return onLocalFiles(
    side,
    async () => {
      const hash = createHash(algorithm);
      for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
      return hash.digest('hex');
    },
    file,
  );
}
