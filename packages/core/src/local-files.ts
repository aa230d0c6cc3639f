// Errors of the machine runlens runs on (a download destination, an export directory, an archive
// being read) are the user's to fix, never a provider's: they name the path and say which side failed.
import { authError, invalidInput, notFound, RunlensError } from './errors.js';

const VERBS: Record<string, string> = {
  open: 'open',
  mkdir: 'create',
  mkdtemp: 'create a folder in',
  rename: 'move into place',
  scandir: 'list',
  opendir: 'list',
  rmdir: 'remove',
  rm: 'remove',
  unlink: 'remove',
  stat: 'inspect',
  lstat: 'inspect',
  read: 'read',
  write: 'write',
  access: 'access',
};

/** Permission problems are exit 4; the rest of what a file system refuses is the user's input (exit 2). */
const PERMISSION = new Set(['EACCES', 'EPERM', 'EROFS']);
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the directory is not empty',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENOENT: 'no such file or directory',
};

/**
 * The RunlensError for a file-system failure, or `undefined` when `error` is not one. `side` says
 * whose file it is: "download destination", "export directory", "run archive".
 */
export function localFileError(error: unknown, side: string, fallbackPath?: string): RunlensError | undefined {
  if (RunlensError.isInstance(error)) return error;
  const e = error as NodeJS.ErrnoException | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (!code || !REASONS[code]) return undefined;
  const file = e?.path ?? fallbackPath;
  const verb = (e?.syscall && VERBS[e.syscall]) ?? 'use';
  const message = `${side}: cannot ${verb} ${file ? `'${file}'` : 'a file'}: ${REASONS[code]}`;
  if (PERMISSION.has(code)) return authError(`${message} (a local file-system permission; check the path's owner and mode)`, { cause: error, ...(file ? { file } : {}) });
  if (code === 'ENOENT') return notFound(message, { cause: error, ...(file ? { file } : {}) });
  return invalidInput(message, { cause: error, ...(file ? { file } : {}) });
}

/** Runs file work, turning file-system failures into errors that name the path and its side. */
export async function onLocalFiles<T>(side: string, work: () => Promise<T>, fallbackPath?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw localFileError(error, side, fallbackPath) ?? error;
  }
}

/** An empty path would mean the current directory: never what a user who typed `--out "$UNSET"` meant. */
export function requirePath(what: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw invalidInput(`${what} is empty; give a path`);
  return value;
}
