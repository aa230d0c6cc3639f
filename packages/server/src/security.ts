// The server's attack surface: who may call it, which local archives a ref may name, which
// artifact paths may be served, and how files are named on download.
import { createHash, timingSafeEqual } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { invalidInput, notFound } from '@runlens/core';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Refuses to serve a non-loopback address without a token; one line a user can act on. */
export function checkBind(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token) {
    throw invalidInput(`refusing to listen on ${host} without a token: pass --token or set RUNLENS_TOKEN (or listen on 127.0.0.1)`);
  }
  if (token !== undefined && token.length < 16) throw invalidInput('the token must be at least 16 characters');
}

/**
 * Bearer-token check in constant time: both sides are hashed first, so neither the comparison nor
 * timingSafeEqual's length rule reveals anything about the token.
 */
export function tokenMatcher(token: string): (header: string | undefined) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (header) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
    const given = createHash('sha256').update(match?.[1] ?? '').digest();
    return timingSafeEqual(given, expected) && match !== null;
  };
}

/**
 * `local:` refs may only name archives under the roots given at start. A ref is checked by its text
 * first (a `..` segment or a path outside every root is refused without touching the file system),
 * then by its real path, so a symlink inside a root cannot lead out of it.
 */
export class ArchiveRoots {
  private real?: Promise<string[]>;

  constructor(
    private readonly roots: readonly string[],
    private readonly cwd: string,
  ) {}

  get configured(): readonly string[] {
    return this.roots.map((r) => path.resolve(this.cwd, r));
  }

  private realRoots(): Promise<string[]> {
    this.real ??= Promise.all(this.configured.map((r) => realpath(r).catch(() => r)));
    return this.real;
  }

  /** Throws NotFound (never naming what exists outside) unless `id` is an archive path inside a root. */
  async confine(id: string, ref: string): Promise<void> {
    const refuse = () => notFound(`no run ${ref}`);
    if (id.includes('\0') || id.split(/[\\/]/).includes('..')) throw refuse();
    const target = path.resolve(this.cwd, id);
    if (!this.configured.some((root) => inside(root, target))) throw refuse();
    const real = await realpath(target).catch(() => undefined);
    if (real === undefined) throw refuse();
    const roots = await this.realRoots();
    if (!roots.some((root) => inside(root, real))) throw refuse();
  }

  /** An artifact inside a confined local archive must not leave it through a symlink either. */
  async confineArtifact(id: string, artifactPath: string, ref: string): Promise<void> {
    const dir = path.resolve(this.cwd, id);
    const file = path.resolve(dir, 'artifacts', ...artifactPath.split('/'));
    const [realDir, realFile] = await Promise.all([realpath(dir).catch(() => undefined), realpath(file).catch(() => undefined)]);
    if (!realDir || !realFile || !inside(realDir, realFile)) throw notFound(`no artifact '${artifactPath}' in ${ref}`);
  }
}

function inside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Artifact paths as listed: relative, `/`-separated, no `..`, no control characters. */
export function checkArtifactPath(artifactPath: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(artifactPath) || artifactPath.startsWith('/') || artifactPath.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw invalidInput(`invalid artifact path '${artifactPath.replace(/[\u0000-\u001f\u007f]/g, '?')}'`);
  }
}

/**
 * `Content-Disposition: attachment` with an ASCII fallback (quotes, backslashes, control and
 * non-ASCII characters replaced) and the exact name in RFC 8187's `filename*`.
 */
export function contentDisposition(name: string): string {
  const base = name.split('/').pop() || 'download';
  const ascii = base.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const encoded = encodeURIComponent(base).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
