/**
 * Old v1 training-job APIs behind the Python SDK's `Estimator.get_job_log`: list, version
 * detail, log file names, the byte-range `/log` and the line-based `/aom-log`.
 */
import type { ServerResponse } from 'node:http';
import { decodeUtf8 } from '../bytes.js';
import { intParam, jsonWithRawIntegers, sendJson, sendJsonText, type Route } from '../http.js';
import type { V1JobVersion } from '../model.js';
import { lineId, lineIndex, lineStarts, type V1Record, type V1Store } from '../v1jobs.js';

/** Largest `offset` the byte-range API accepts, in either direction. */
export const V1_MAX_OFFSET = 2048;

const VERSION = String.raw`^/v1/(?<project>[^/]+)/training-jobs/(?<job>\d+)/versions/(?<version>\d+)`;

export function v1Routes(store: V1Store): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/(?<project>[^/]+)\/training-jobs$/,
      handle: ({ res, url }) => listJobs(res, url, store),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${VERSION}$`),
      handle: ({ res }, params) => {
        const record = findVersion(res, store, params);
        if (record) sendJson(res, 200, { is_success: true, ...versionBody(record.version) });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${VERSION}/log/file-names$`),
      handle: ({ res }, params) => {
        const record = findVersion(res, store, params);
        if (record) sendJson(res, 200, { is_success: true, log_file_list: [...record.files.keys()].sort() });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${VERSION}/log$`),
      handle: ({ res, url }, params) => {
        const record = findVersion(res, store, params);
        if (record) readBytes(res, url, record);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${VERSION}/aom-log$`),
      handle: ({ res, url }, params) => {
        const record = findVersion(res, store, params);
        if (record) readLines(res, url, record);
      },
    },
  ];
}

/** v1 errors: `is_success: false` and `error_message` (not `error_msg`). */
function v1Error(res: ServerResponse, code: string, message: string): void {
  sendJson(res, 400, { is_success: false, error_message: message, error_code: code });
}

function findVersion(res: ServerResponse, store: V1Store, params: Record<string, string>): V1Record | undefined {
  const record = store.get(Number(params.job), Number(params.version));
  if (!record) v1Error(res, 'ModelArts.0102', `The training job ${params.job} version ${params.version} does not exist.`);
  return record;
}

const SORT_KEYS = ['job_name', 'job_desc', 'status', 'duration', 'version_count', 'create_time'] as const;
type SortKey = (typeof SORT_KEYS)[number];

function listJobs(res: ServerResponse, url: URL, store: V1Store): void {
  const perPage = intParam(url, 'per_page', 10);
  const page = intParam(url, 'page', 1);
  const status = url.searchParams.get('status');
  const sortBy = (url.searchParams.get('sortBy') ?? 'job_name') as SortKey;
  const order = url.searchParams.get('order') ?? 'asc';
  const search = url.searchParams.get('search_content') ?? '';
  if (perPage === undefined || perPage < 1 || perPage > 1000 || page === undefined || page < 1 || page > 65535) {
    return v1Error(res, 'ModelArts.0104', 'per_page should be in [1,1000] and page in [1,65535]');
  }
  if (search.length > 100) return v1Error(res, 'ModelArts.0104', 'The length of search content should be in [0,100]');
  if (!SORT_KEYS.includes(sortBy) || (order !== 'asc' && order !== 'desc')) return v1Error(res, 'ModelArts.0104', 'Invalid sortBy or order');

  const rows = store
    .latestVersions()
    .filter((r) => status === null || String(r.version.status) === status)
    .filter((r) => r.version.job_name.includes(search))
    .map((r) => ({
      job_id: r.version.job_id,
      job_name: r.version.job_name,
      version_id: r.version.version_id,
      status: r.version.status,
      create_time: r.version.create_time,
      duration: r.version.duration,
      job_desc: r.version.job_desc ?? '',
      version_count: store.versionCount(r.version.job_id),
    }));
  const direction = order === 'asc' ? 1 : -1;
  rows.sort((a, b) => direction * compare(a[sortBy], b[sortBy]) || a.job_id - b.job_id);
  sendJson(res, 200, {
    is_success: true,
    job_total_count: rows.length,
    job_count_limit: 100,
    quotas: 100,
    jobs: rows.slice((page - 1) * perPage, page * perPage),
  });
}

function versionBody(version: V1JobVersion) {
  return {
    ...version,
    job_desc: version.job_desc ?? '',
    version_name: version.version_name ?? 'V0001',
    start_time: version.start_time ?? version.create_time,
    worker_server_num: version.worker_server_num ?? 1,
  };
}

/**
 * Byte-range read. `start_byte=-1` means the newest `offset` bytes; a negative `offset`
 * reads backwards from `start_byte` (UNCONFIRMED in the reference; chosen as the natural reading).
 */
function readBytes(res: ServerResponse, url: URL, record: V1Record): void {
  const file = url.searchParams.get('log_file');
  const startByte = intParam(url, 'start_byte', 0);
  const offset = intParam(url, 'offset', V1_MAX_OFFSET);
  if (!file) return v1Error(res, 'ModelArts.0104', 'log_file is required');
  if (startByte === undefined || startByte < -1) return v1Error(res, 'ModelArts.0104', 'start_byte should be in [-1, +∞)');
  if (offset === undefined || Math.abs(offset) > V1_MAX_OFFSET) {
    return v1Error(res, 'ModelArts.0104', `offset should be in [-${V1_MAX_OFFSET}, ${V1_MAX_OFFSET}]`);
  }
  const log = record.files.get(file);
  if (!log) return v1Error(res, 'ModelArts.0102', `The log file ${file} does not exist.`);

  const size = log.size();
  let from: number;
  let to: number;
  if (startByte === -1) {
    to = size;
    from = Math.max(0, size - Math.abs(offset));
  } else if (offset >= 0) {
    from = Math.min(startByte, size);
    to = Math.min(size, from + offset);
  } else {
    to = Math.min(startByte, size);
    from = Math.max(0, to + offset);
  }
  const bytes = log.read(from, to - from);
  // A multi-byte character cut by the range decodes to U+FFFD; the counts stay in bytes.
  const text = decodeUtf8(bytes);
  switch (record.logShape) {
    case 'bytes':
      return sendJson(res, 200, { is_success: true, log: text, log_byte_count: String(bytes.length), end_byte: String(to) });
    case 'bytes-count':
      return sendJson(res, 200, { is_success: true, log: text, count: String(bytes.length), end_byte: String(to) });
    case 'lines': {
      const starts = lineStarts(log.read(0, size));
      const first = from >= size ? starts.length : lineAt(starts, from);
      const last = bytes.length === 0 ? first : lineAt(starts, to - 1);
      const count = bytes.length === 0 ? 0 : last - first + 1;
      return sendLines(res, text, count, lineId(record.version.create_time, first), lineId(record.version.create_time, last));
    }
  }
}

/** Line-based read: no `base_line` = the newest lines; `desc` = lines after it, `asc` = lines before it. */
function readLines(res: ServerResponse, url: URL, record: V1Record): void {
  const file = url.searchParams.get('log_file');
  const wanted = intParam(url, 'lines', 50);
  const order = url.searchParams.get('order') ?? 'desc';
  const base = url.searchParams.get('base_line')?.trim() ?? '';
  if (!file) return v1Error(res, 'ModelArts.0104', 'log_file is required');
  if (wanted === undefined || wanted < 0 || wanted > 500 || (order !== 'asc' && order !== 'desc')) {
    return v1Error(res, 'ModelArts.0104', 'lines should be in [0, 500] and order asc or desc');
  }
  const log = record.files.get(file);
  if (!log) return v1Error(res, 'ModelArts.0102', `The log file ${file} does not exist.`);

  const all = log.read(0, log.size());
  const starts = lineStarts(all);
  let first: number;
  let end: number;
  if (base === '') {
    end = starts.length;
    first = Math.max(0, end - wanted);
  } else {
    const index = lineIndex(record.version.create_time, base);
    if (index === undefined) return v1Error(res, 'ModelArts.0104', `Invalid base_line ${base}`);
    [first, end] = order === 'desc'
      ? [Math.min(index + 1, starts.length), Math.min(index + 1 + wanted, starts.length)]
      : [Math.max(0, index - wanted), Math.min(index, starts.length)];
  }
  const byteFrom = starts[first] ?? all.length;
  const byteTo = starts[end] ?? all.length;
  const baseId = base === '' ? lineId(record.version.create_time, first) : BigInt(base);
  const firstId = end > first ? lineId(record.version.create_time, first) : baseId;
  const lastId = end > first ? lineId(record.version.create_time, end - 1) : baseId;
  sendLines(res, decodeUtf8(all.subarray(byteFrom, byteTo)), end - first, firstId, lastId);
}

/**
 * `start_line` goes out as a bare 19-digit JSON number and `end_line`/`lines` as strings,
 * exactly like the reference sample, so clients must parse without losing precision.
 */
function sendLines(res: ServerResponse, content: string, lines: number, startLine: bigint, endLine: bigint): void {
  sendJsonText(
    res,
    200,
    jsonWithRawIntegers(
      { is_success: true, content, end_line: String(endLine), lines: String(lines) },
      { start_line: String(startLine) },
    ),
  );
}

function lineAt(starts: number[], byte: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((starts[mid] ?? Infinity) <= byte) low = mid;
    else high = mid - 1;
  }
  return Math.max(0, low);
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
