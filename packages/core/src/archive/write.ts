import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { invalidInput } from '../errors.js';
import type { ArtifactBody } from '../model/artifact.js';
import { ARCHIVE_FILES, fileSlug } from './format.js';

/** A line-oriented file writer that respects back-pressure, so exports stay in constant memory. */
export class JsonlWriter {
  private readonly stream: WriteStream;
  lines = 0;
  constructor(file: string) {
    this.stream = createWriteStream(file, { encoding: 'utf8' });
  }
  async write(value: unknown): Promise<void> {
    this.lines++;
    if (!this.stream.write(`${JSON.stringify(value)}\n`)) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
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
  async close(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.close()));
  }
}

/** Refuses to overwrite anything: the target must be missing or an empty directory. */
export async function prepareArchiveDir(dir: string): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw invalidInput(`cannot use '${dir}' as the export directory: ${(e as Error).message}`);
  }
  if (entries.length > 0) throw invalidInput(`export directory '${dir}' is not empty; choose a new directory`);
  await mkdir(path.join(dir, ARCHIVE_FILES.logsDir), { recursive: true });
  await mkdir(path.join(dir, ARCHIVE_FILES.metricsDir), { recursive: true });
  await mkdir(path.join(dir, ARCHIVE_FILES.artifactsDir), { recursive: true });
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
}

/** Resolves an artifact path under `root`, refusing any that would escape it. */
export function safeJoin(root: string, relative: string): string {
  const target = path.resolve(root, ...relative.split('/'));
  const base = path.resolve(root);
  if (target !== base && !target.startsWith(base + path.sep)) throw invalidInput(`artifact path '${relative}' leaves the target directory`);
  return target;
}

/**
 * Streams an artifact body to `file` (via a temporary name, renamed when complete), hashing it on the
 * way. Never holds the whole file in memory.
 */
export async function streamToFile(body: ArtifactBody, file: string, onBytes?: (bytes: number) => void): Promise<{ size: number; sha256: string }> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.part`;
  const hash = createHash('sha256');
  const out = createWriteStream(partial);
  let size = 0;
  try {
    for await (const chunk of body.body) {
      hash.update(chunk);
      size += chunk.byteLength;
      onBytes?.(chunk.byteLength);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rename(partial, file);
  } catch (e) {
    out.destroy();
    await rm(partial, { force: true });
    throw e;
  }
  return { size, sha256: hash.digest('hex') };
}
