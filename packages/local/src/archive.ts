import { readFile as readFileCallback } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { ARCHIVE_FILES, ARCHIVE_FORMAT_VERSION, invalidInput, localFileError, notFound, type MetricDescriptor, type Run } from '@runlens/core';
import type * as z from 'zod/mini';
import { archiveManifestSchema, artifactManifestSchema, describeIssue, metricHeaderSchema, runSchema } from './schema.js';

/** Who is blamed when a file of the archive cannot be read: the archive on this machine, not a provider. */
export const ARCHIVE_SIDE = 'run archive';

/** stat, with only "no such file" meaning absent: a permission problem is reported, not taken for a missing archive. */
async function statIfPresent(file: string) {
  try {
    return await stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw localFileError(e, ARCHIVE_SIDE, file) ?? e;
  }
}

export interface ArchiveContents {
  readonly dir: string;
  readonly run: z.infer<typeof runSchema>;
  readonly formatVersion: number;
}

/** `file line N: problem`: what a corrupt archive error always names. */
export function corrupt(file: string, line: number | undefined, problem: string) {
  return invalidInput(`corrupt archive: ${file}${line !== undefined ? ` line ${line}` : ''}: ${problem}`, { file, ...(line !== undefined ? { line } : {}) });
}

/**
 * fs.readFile with a callback: its open, fstat, read and close are chained in C++, where
 * fs/promises' readFile goes back to JavaScript (a promise, a microtask) between each step. On a busy
 * machine that made it 4x slower (2,000 small files, 16 at a time: median 771 vs 182 ms).
 */
const readWhole = promisify(readFileCallback) as (file: string, encoding: 'utf8') => Promise<string>;

export async function readJsonFile(file: string): Promise<unknown> {
  const text = await readWhole(file, 'utf8').catch((e: unknown) => Promise.reject(localFileError(e, ARCHIVE_SIDE, file) ?? e));
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
  const info = await statIfPresent(dir);
  if (!info) throw notFound(`no run archive at '${dir}'`);
  if (!info.isDirectory()) throw invalidInput(`'${dir}' is a file; a run archive is a directory with run.json`);
  const runFile = path.join(dir, ARCHIVE_FILES.run);
  if (!(await statIfPresent(runFile))) throw notFound(`'${dir}' is not a run archive (no ${ARCHIVE_FILES.run})`);
  let formatVersion = 1;
  const manifestFile = path.join(dir, ARCHIVE_FILES.archive);
  if (await statIfPresent(manifestFile)) {
    const manifest = archiveManifestSchema.safeParse(await readJsonFile(manifestFile));
    if (!manifest.success) throw corrupt(manifestFile, undefined, describeIssue(manifest.error));
    formatVersion = manifest.data.formatVersion;
    if (formatVersion > ARCHIVE_FORMAT_VERSION) {
      throw invalidInput(`${manifestFile}: archive format version ${formatVersion} is newer than this runlens reads (${ARCHIVE_FORMAT_VERSION}); upgrade runlens`);
    }
    await checkComplete(dir, manifest.data);
  }
  const parsed = runSchema.safeParse(await readJsonFile(runFile));
  if (!parsed.success) throw corrupt(runFile, undefined, describeIssue(parsed.error));
  return { dir, run: parsed.data, formatVersion };
}

/**
 * What a listing reads of an archive: run.json alone, validated as describe validates it. Describe's
 * other work (archive.json's format version and completeness check, a directory listing and a stat
 * per artifact, the log listing) is left to describe, which reports an incomplete or too new
 * archive with its reason: a listing of a thousand archives would pay it a thousand times for
 * nothing it shows, and hid such archives without a word.
 */
export async function readRunFile(dir: string): Promise<ArchiveContents['run']> {
  const runFile = path.join(dir, ARCHIVE_FILES.run);
  const parsed = runSchema.safeParse(await readJsonFile(runFile));
  if (!parsed.success) throw corrupt(runFile, undefined, describeIssue(parsed.error));
  return parsed.data;
}

/**
 * An exported archive states what it holds (archive.json `counts`, `files`); one that holds less lost
 * files on the way (a copy cut short, a file deleted) and is refused rather than read as if complete.
 * Hand-made archives without archive.json, or without counts, are taken as they are.
 */
async function checkComplete(dir: string, manifest: z.infer<typeof archiveManifestSchema>): Promise<void> {
  const counts = manifest.counts;
  if (!counts && !manifest.files) return;
  const missing: string[] = [];
  const compare = async (sub: string, listed: readonly string[] | undefined, count: number | undefined, what: string) => {
    const present = await listFiles(path.join(dir, sub), '.jsonl');
    if (listed) for (const name of listed) if (!present.includes(name)) missing.push(`${sub}/${name}`);
    if (!listed && count !== undefined && present.length < count) missing.push(`${count - present.length} of ${count} ${what} files in ${sub}/`);
  };
  await compare(ARCHIVE_FILES.logsDir, manifest.files?.logs, counts?.nodes, 'log');
  await compare(ARCHIVE_FILES.metricsDir, manifest.files?.metrics, counts?.series, 'metric');
  if (counts?.artifacts !== undefined && counts.artifacts > 0) {
    const listFile = path.join(dir, ARCHIVE_FILES.artifactManifest);
    if (!(await statIfPresent(listFile))) missing.push(ARCHIVE_FILES.artifactManifest);
    else {
      const parsed = artifactManifestSchema.safeParse(await readJsonFile(listFile));
      if (!parsed.success) throw corrupt(listFile, undefined, describeIssue(parsed.error));
      if (parsed.data.length < counts.artifacts) missing.push(`${counts.artifacts - parsed.data.length} of ${counts.artifacts} entries in ${ARCHIVE_FILES.artifactManifest}`);
      for (const artifact of parsed.data) {
        const file = path.join(dir, ARCHIVE_FILES.artifactsDir, ...artifact.path.split('/'));
        const found = await statIfPresent(file);
        const shown = `${ARCHIVE_FILES.artifactsDir}/${artifact.path}`;
        if (!found?.isFile()) missing.push(shown);
        else if (artifact.size !== undefined && found.size !== artifact.size) missing.push(`${shown} (${found.size} of ${artifact.size} bytes)`);
      }
    }
  }
  if (missing.length === 0) return;
  const shown = missing.length > 5 ? `${missing.slice(0, 5).join(', ')} and ${missing.length - 5} more` : missing.join(', ');
  throw invalidInput(`incomplete archive: ${dir}: missing ${shown} (its ${ARCHIVE_FILES.archive} lists more than the directory holds; export the run again)`, { file: dir });
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
    throw localFileError(e, ARCHIVE_SIDE, dir) ?? e;
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

/** Byte chunks of a file, streamed. Opened first, so an unreadable file fails here rather than mid-download. */
export async function fileBody(file: string): Promise<AsyncIterable<Uint8Array>> {
  const handle = await open(file, 'r').catch((e: unknown) => Promise.reject(localFileError(e, ARCHIVE_SIDE, file) ?? e));
  return handle.createReadStream({ highWaterMark: 256 * 1024 });
}
