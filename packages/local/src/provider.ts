import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ARCHIVE_FILES,
  columnarSeries,
  isTerminal,
  mapLimit,
  notFound,
  onLocalFiles,
  type ArtifactInfo,
  type JsonValue,
  type LogRecord,
  type LogStreamInfo,
  type MetricDescriptor,
  type MetricPoint,
  type ProviderEnvironmentV2,
  type ProviderV2,
  type Run,
  type RunDocument,
  type RunSummaryDocument,
  type RunTarget,
} from '@runlens/core';
import { ARCHIVE_SIDE, corrupt, fileBody, listFiles, readArchive, readRunFile, readJsonFile, readMetricHeader, toLocalRun } from './archive.js';
import { readLines, tailLines, type LinePosition } from './lines.js';
import { readSeries } from './points.js';
import type { LocalHandle, LocalSettings } from './settings.js';
import { artifactManifestSchema, describeIssue, logRecordSchema, metricPointSchema } from './schema.js';

const PAGE_LINES = 5_000;

/** File-system failures while reading an archive name the file and blame the archive (EACCES: exit 4). */
const onArchive = <T>(work: () => Promise<T>): Promise<T> => onLocalFiles(ARCHIVE_SIDE, work);
const LIST_DEPTH = 4;
/** Directories and run.json files read at once while listing. */
const LIST_CONCURRENCY = 16;
/** Metric series files read at once. */
const SERIES_CONCURRENCY = 4;

type Target = RunTarget<LocalHandle>;

export function createLocalProvider(environment: ProviderEnvironmentV2<LocalSettings>): ProviderV2<LocalHandle> {
  const cwd = environment.cwd;
  const dirOf = (id: string) => path.resolve(cwd, id);
  // RUNLENS_LOCAL_ROOT arrives here as the `roots` setting (core reads the variables a definition declares).
  const roots = (): string[] => (environment.settings.roots && environment.settings.roots.length > 0 ? environment.settings.roots : ['.']);

  const seriesFiles = new WeakMap<MetricDescriptor, string>();
  const logDir = ({ handle }: Target) => path.join(handle.dir, ARCHIVE_FILES.logsDir);

  const parseRecord = (file: string, text: string, line: number): LogRecord => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw corrupt(file, line > 0 ? line : undefined, `not valid JSON (${(e as Error).message})`);
    }
    const parsed = logRecordSchema.safeParse(json);
    if (!parsed.success) throw corrupt(file, line > 0 ? line : undefined, describeIssue(parsed.error));
    return parsed.data;
  };

  /** Nodes come from the records themselves; the file name is only a slug. */
  const streamNode = async (file: string, fallback: string): Promise<string> => {
    const chunk = await readLines(file, { offset: 0, line: 1 }, 1, true);
    const first = chunk.lines[0];
    return first ? parseRecord(file, first.text, first.line).node : fallback;
  };

  const listStreams = async (target: Target): Promise<LogStreamInfo[]> => {
    const files = await listFiles(logDir(target), '.jsonl');
    return Promise.all(
      files.map(async (name) => {
        const file = path.join(logDir(target), name);
        const id = name.slice(0, -'.jsonl'.length);
        return { id, node: await streamNode(file, id), size: (await stat(file)).size };
      }),
    );
  };

  const seriesFilesOf = ({ run, handle }: Target, descriptors: readonly MetricDescriptor[]) => {
    const dir = path.join(handle.dir, ARCHIVE_FILES.metricsDir);
    return descriptors.map((descriptor) => {
      const name = seriesFiles.get(descriptor);
      if (!name) throw notFound(`metric '${descriptor.name}' was not listed for ${run.ref}`);
      return { descriptor, file: path.join(dir, name) };
    });
  };

  const describe = async (id: string): Promise<{ run: RunDocument; handle: LocalHandle }> => {
    const dir = dirOf(id);
    const archive = await readArchive(dir);
    const logNames = (await listFiles(path.join(dir, ARCHIVE_FILES.logsDir), '.jsonl')).map((n) => n.slice(0, -'.jsonl'.length));
    // Core stamps ref and provider.
    const { ref: _ref, provider: _provider, ...run } = toLocalRun(archive, id, logNames);
    return { run, handle: { dir } };
  };

  return {
    specificationVersion: 'v2',
    // `./live`, `live` and `/abs/live` are one archive: cursors name it by its absolute path.
    identity: ({ handle }) => `local:${handle.dir}`,

    catalog: {
      describe: (id) => onArchive(() => describe(id)),
      async *list(filter) {
        // Archives are found and read LIST_CONCURRENCY at a time: one at a time, a thousand archives
        // took seconds of waiting on the file system for milliseconds of work.
        // A root inside another one finds its archives twice: each is listed once.
        const dirs = [...new Set(await findArchives(roots().map((root) => path.resolve(cwd, root)), LIST_DEPTH))].sort();
        const heads = await mapLimit(dirs, LIST_CONCURRENCY, (dir) => readRunFile(dir).then((run) => ({ dir, run }), () => undefined));
        const found: RunSummaryDocument[] = [];
        for (const head of heads) {
          if (!head) continue;
          const id = relativeId(cwd, head.dir);
          const run = head.run;
          const name = run.name ?? path.basename(head.dir);
          const created = run.createdAt ? Date.parse(run.createdAt) : undefined;
          if (filter.since !== undefined && (created === undefined || created < filter.since)) continue;
          if (filter.until !== undefined && (created === undefined || created >= filter.until)) continue;
          if (filter.nameContains && !name.includes(filter.nameContains)) continue;
          found.push({
            id,
            name,
            status: run.status,
            providerStatus: run.providerStatus ?? run.status,
            ...(run.createdAt ? { createdAt: run.createdAt } : {}),
            ...(run.endedAt ? { endedAt: run.endedAt } : {}),
            // The category the archive's stored description gives (an archive without one gets it from its logs on describe).
            ...(run.status === 'failed' && run.failure ? { failure: { category: run.failure.category, reason: run.failure.reason } } : {}),
          });
        }
        yield found;
      },
    },

    logs: {
      kind: 'positioned',
      listStreams: (target) => onArchive(() => listStreams(target)),
      readStream: (target, stream, request) => onArchive(async () => {
        const file = path.join(logDir(target), `${stream.id}.jsonl`);
        const from = (request.position as LinePosition | undefined) ?? { offset: 0, line: 1 };
        const chunk = await readLines(file, from, PAGE_LINES, isTerminal(target.run.status));
        const records = chunk.lines.map((l) => parseRecord(file, l.text, l.line));
        return { records, next: chunk.next as unknown as JsonValue, caughtUp: chunk.atEnd };
      }),
      tailStream: (target, stream, request) => onArchive(async () => {
        const file = path.join(logDir(target), `${stream.id}.jsonl`);
        // Reading backwards cannot know what lies before `until`: let core read forward then.
        if (request.until !== undefined) return undefined;
        const { lines, end } = await tailLines(file, request.count, isTerminal(target.run.status));
        return { records: lines.map((text) => parseRecord(file, text, 0)), next: { offset: end, line: 0 } };
      }),
    },

    metrics: {
      listMetrics: ({ handle }) => onArchive(async () => {
        const dir = path.join(handle.dir, ARCHIVE_FILES.metricsDir);
        const files = await listFiles(dir, '.jsonl');
        return Promise.all(
          files.map(async (name) => {
            const descriptor = await readMetricHeader(path.join(dir, name));
            // Remember which file holds the series without putting file names into the public descriptor.
            seriesFiles.set(descriptor, name);
            return descriptor;
          }),
        );
      }),
      // The file's size, modification time and inode: a series written again (appended, or replaced by
      // a rename) gets another version, so core reads it again rather than reusing what it kept.
      seriesVersions: (target, descriptors) => onArchive(async () => {
        const files = seriesFilesOf(target, descriptors);
        return mapLimit(files, LIST_CONCURRENCY, async ({ file }) => {
          const info = await stat(file, { bigint: true });
          return `${info.size}:${info.mtimeNs}:${info.ino}`;
        });
      }),
      readMetrics: (target, descriptors) => onArchive(async () => {
        const files = seriesFilesOf(target, descriptors);
        // A few series at once: their file reads overlap each other's decoding.
        // Numeric series as columns (no object per point: core, the server's charts and the cache read
        // them as they are; `points` is built on first read), series with text values as points.
        const series = await mapLimit(files, SERIES_CONCURRENCY, async ({ descriptor, file }) => {
          const read = await readSeries(file, (text, line) => slowPoint(file, text, line));
          return read.columns ? columnarSeries(descriptor, read.columns) : { ...descriptor, points: read.points };
        });
        return { series };
      }),
    },

    artifacts: {
      async *listArtifacts({ handle }) {
        const dir = handle.dir;
        const manifestFile = path.join(dir, ARCHIVE_FILES.artifactManifest);
        if (await stat(manifestFile).catch(() => undefined)) {
          const parsed = artifactManifestSchema.safeParse(await readJsonFile(manifestFile));
          if (!parsed.success) throw corrupt(manifestFile, undefined, describeIssue(parsed.error));
          yield parsed.data as ArtifactInfo[];
          return;
        }
        const root = path.join(dir, ARCHIVE_FILES.artifactsDir);
        // No artifacts/ folder is no artifacts; an unreadable one is reported.
        const found = await onArchive(() => walk(root).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e))));
        yield await onArchive(() => Promise.all(found.map(async (file) => ({ path: path.relative(root, file).split(path.sep).join('/'), size: (await stat(file)).size }))));
      },
      openArtifact: ({ run, handle }, artifactPath) => onArchive(async () => {
        const root = path.resolve(handle.dir, ARCHIVE_FILES.artifactsDir);
        const file = path.resolve(root, ...artifactPath.split('/'));
        if (!file.startsWith(root + path.sep)) throw notFound(`no artifact '${artifactPath}'`);
        const info = await stat(file).catch(() => undefined);
        if (!info?.isFile()) throw notFound(`no artifact '${artifactPath}' in ${run.ref}`);
        return { size: info.size, body: await fileBody(file) };
      }),
    },
  };
}

function relativeId(cwd: string, dir: string): string {
  const relative = path.relative(cwd, dir);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? dir : `./${relative.split(path.sep).join('/')}`;
}

/**
 * Archive directories (those holding run.json) under the roots, down to `depth` levels; nothing is
 * looked for inside an archive. Level by level, so at most LIST_CONCURRENCY directories are read at once.
 */
async function findArchives(roots: readonly string[], depth: number): Promise<string[]> {
  const archives: string[] = [];
  let level = [...roots];
  for (let d = 0; level.length > 0 && d <= depth; d++) {
    const read = await mapLimit(level, LIST_CONCURRENCY, async (dir) => ({ dir, entries: await readdir(dir, { withFileTypes: true }).catch(() => []) }));
    level = [];
    for (const { dir, entries } of read) {
      if (entries.some((e) => e.isFile() && e.name === ARCHIVE_FILES.run)) archives.push(dir);
      else if (d < depth) for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') level.push(path.join(dir, e.name));
    }
  }
  return archives;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else if (entry.isFile() && !entry.name.endsWith('.part')) files.push(full);
  }
  return files.sort();
}

/** A point line the fast decoder declined: JSON.parse, the hand check, then the schema (which says what is wrong). */
function slowPoint(file: string, text: string, line: number): MetricPoint {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw corrupt(file, line, `not valid JSON (${(e as Error).message})`);
  }
  const plain = plainPoint(json);
  if (plain) return plain;
  const point = metricPointSchema.safeParse(json);
  if (!point.success) throw corrupt(file, line, describeIssue(point.error));
  return point.data;
}

/**
 * A point in the common shape, checked by hand: zod cost about a microsecond a point, most of a
 * 100,000-point series' read. Anything else goes to metricPointSchema, which accepts the same and
 * says what is wrong with the rest. Like the schema, it keeps only timestamp, step and value.
 */
function plainPoint(json: unknown): MetricPoint | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { timestamp, step, value } = json as Record<string, unknown>;
  if (typeof timestamp !== 'number') return undefined;
  if (value !== null && typeof value !== 'number' && typeof value !== 'string') return undefined;
  if (step === undefined) return { timestamp, value };
  return Number.isSafeInteger(step) ? { timestamp, step: step as number, value } : undefined;
}
