// Which Run History log files are read, and which runlens node each belongs to.
//
//   user_logs/std_log.txt                     → rank-0   (single-process job)
//   user_logs/std_log_process_<r>.txt         → rank-<r> (one file per process rank, every rank)
//   user_logs/std_log<anything><r>.txt        → rank-<r> (the last number in the name: node/rank variants)
//   azureml-logs/70_driver_log.txt            → rank-0   (legacy runtime: the driver's stdout)
//   azureml-logs/70_driver_log_<r>.txt        → rank-<r> (legacy per-rank driver logs)
//   azureml-logs/<other>.txt                  → azureml  (legacy runtime's own setup/teardown logs)
//
// Anything else in `logFiles` (system_logs/…, process_info.json, pipeline execution logs) is not read.

export const SYSTEM_NODE = 'azureml';

export interface LogFile {
  /** The path in `logFiles`; also the stream id. */
  readonly path: string;
  readonly node: string;
  readonly rank?: number;
}

const USER_LOG = /^user_logs\/std_log([^/]*)\.txt$/;
const LEGACY = /^azureml-logs\/([^/]+)\.(?:txt|log)$/;
const DRIVER = /^70_driver_log(?:[_-](\d+))?$/;

export function rankNode(rank: number): string {
  return `rank-${rank}`;
}

export function classifyLogFile(path: string): LogFile | undefined {
  const user = USER_LOG.exec(path);
  if (user) {
    const numbers = user[1]!.match(/\d+/g);
    const rank = numbers ? Number(numbers[numbers.length - 1]) : 0;
    return { path, node: rankNode(rank), rank };
  }
  const legacy = LEGACY.exec(path);
  if (legacy) {
    const driver = DRIVER.exec(legacy[1]!);
    if (driver) {
      const rank = driver[1] === undefined ? 0 : Number(driver[1]);
      return { path, node: rankNode(rank), rank };
    }
    return { path, node: SYSTEM_NODE };
  }
  return undefined;
}

/** The log files runlens reads, in rank order (numeric: `rank-2` before `rank-10`), then by path. */
export function logFilesOf(logFiles: Readonly<Record<string, string>> | null | undefined): LogFile[] {
  const files: LogFile[] = [];
  for (const path of Object.keys(logFiles ?? {})) {
    const file = classifyLogFile(path);
    if (file) files.push(file);
  }
  return files.sort((a, b) => (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) || a.path.localeCompare(b.path, 'en', { numeric: true }));
}
