import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVE_FILES, ARCHIVE_FORMAT_VERSION, invalidInput, notFound, type MetricDescriptor, type Run } from '@runlens/core';
import type * as z from 'zod/mini';
import { archiveManifestSchema, describeIssue, metricHeaderSchema, runSchema } from './schema.js';

export interface ArchiveContents {
  readonly dir: string;
  readonly run: z.infer<typeof runSchema>;
  readonly formatVersion: number;
}

/** `file line N: problem`: what a corrupt archive error always names. */
export function corrupt(file: string, line: number | undefined, problem: string) {
  return invalidInput(`corrupt archive: ${file}${line !== undefined ? ` line ${line}` : ''}: ${problem}`, { file, ...(line !== undefined ? { line } : {}) });
}

export async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    const line = jsonErrorLine(text, (e as Error).message);
    throw corrupt(file, line, `not valid JSON (${(e as Error).message})`);
  }
}

/** Node 20 reports either a character position or a quoted excerpt around the error; both locate the line. */
export function jsonErrorLine(text: string, message: string): number | undefined {
  const position = /position (\d+)/.exec(message);
  if (position) return text.slice(0, Number(position[1])).split('\n').length;
  const excerpt = /\.\.\."([\s\S]*?)"?\.\.\. is not valid JSON/.exec(message) ?? /"([\s\S]*)" is not valid JSON/.exec(message);
  const token = /Unexpected token '(.)'/.exec(message)?.[1];
  if (!excerpt?.[1]) return undefined;
  const at = text.indexOf(excerpt[1]);
  if (at < 0) return undefined;
  const within = token ? excerpt[1].indexOf(token) : 0;
  return text.slice(0, at + Math.max(0, within)).split('\n').length;
}

/** Reads and validates run.json (and archive.json when present). */
export async function readArchive(dir: string): Promise<ArchiveContents> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw notFound(`no run archive at '${dir}'`);
  if (!info.isDirectory()) throw invalidInput(`'${dir}' is a file; a run archive is a directory with run.json`);
  const runFile = path.join(dir, ARCHIVE_FILES.run);
  if (!(await stat(runFile).catch(() => undefined))) throw notFound(`'${dir}' is not a run archive (no ${ARCHIVE_FILES.run})`);
  let formatVersion = 1;
  const manifestFile = path.join(dir, ARCHIVE_FILES.archive);
  if (await stat(manifestFile).catch(() => undefined)) {
    const manifest = archiveManifestSchema.safeParse(await readJsonFile(manifestFile));
    if (!manifest.success) throw corrupt(manifestFile, undefined, describeIssue(manifest.error));
    formatVersion = manifest.data.formatVersion;
    if (formatVersion > ARCHIVE_FORMAT_VERSION) {
      throw invalidInput(`${manifestFile}: archive format version ${formatVersion} is newer than this runlens reads (${ARCHIVE_FORMAT_VERSION}); upgrade runlens`);
    }
  }
  const parsed = runSchema.safeParse(await readJsonFile(runFile));
  if (!parsed.success) throw corrupt(runFile, undefined, describeIssue(parsed.error));
  return { dir, run: parsed.data, formatVersion };
}

/** The Run as the local provider presents it: its own ref, with the exported run's identity kept as `origin`. */
export function toLocalRun(archive: ArchiveContents, id: string, logNodes: readonly string[]): Run {
  const stored = archive.run;
  const origin = stored.origin ?? (stored.ref && stored.provider && stored.provider !== 'local' ? { provider: stored.provider, ref: stored.ref } : undefined);
  const nodes = stored.nodes && stored.nodes.length > 0 ? stored.nodes : logNodes.map((name) => ({ name }));
  return {
    ...stored,
    ref: `local:${id}`,
    provider: 'local',
    id,
    name: stored.name ?? path.basename(archive.dir),
    providerStatus: stored.providerStatus ?? stored.status,
    nodes,
    hyperparameters: stored.hyperparameters ?? {},
    ...(origin ? { origin } : {}),
    raw: stored.raw ?? null,
  } as Run;
}

export async function listFiles(dir: string, extension: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  return entries.filter((e) => e.isFile() && e.name.endsWith(extension)).map((e) => e.name).sort();
}

/** The first line of a file, read without loading the rest. */
export async function firstLine(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let position = 0;
    for (;;) {
      const buffer = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      const slice = buffer.subarray(0, bytesRead);
      const newline = slice.indexOf(10);
      if (newline >= 0) {
        chunks.push(slice.subarray(0, newline));
        break;
      }
      chunks.push(slice);
      position += bytesRead;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await handle.close();
  }
}

export async function readMetricHeader(file: string): Promise<MetricDescriptor> {
  const line = await firstLine(file);
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (e) {
    throw corrupt(file, 1, `not valid JSON (${(e as Error).message})`);
  }
  const header = metricHeaderSchema.safeParse(json);
  if (!header.success) throw corrupt(file, 1, `expected a header {"series": {...}}: ${describeIssue(header.error)}`);
  const s = header.data.series;
  return { ...s, providerName: s.providerName ?? s.name };
}

/** Byte chunks of a file, streamed. */
export function fileBody(file: string): AsyncIterable<Uint8Array> {
  return createReadStream(file, { highWaterMark: 256 * 1024 });
}
