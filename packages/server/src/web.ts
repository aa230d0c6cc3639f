// The web view's static files, served by the API server itself (no second server, no CDN). Only
// files under the built assets directory are served; any other non-API path gets index.html so the
// app's own routes (/run?ref=…, /compare…) work on reload. Assets carry content hashes in their
// names and are cached for good; index.html is revalidated every time.
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The page may only talk to this server and load its own files. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export type WebHandler = (request: Request) => Promise<Response | undefined>;

/**
 * A handler for GET and HEAD requests outside /api: the file, index.html for app routes, 404 for a
 * missing asset. Answers `undefined` for everything else, which the API then handles.
 */
export function webHandler(dir: string): WebHandler {
  const root = path.resolve(dir);
  let realRoot: Promise<string> | undefined;
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const { pathname } = new URL(request.url);
    if (pathname === '/api' || pathname.startsWith('/api/') || pathname === '/openapi.json') return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return notFound(request);
    }
    const segments = decoded.split('/').filter((s) => s !== '');
    // No way up or sideways: dot segments, hidden names, backslashes and NULs are never files here.
    if (segments.some((s) => s === '..' || s.startsWith('.') || /[\\\0]/.test(s))) return notFound(request);
    realRoot ??= realpath(root).catch(() => root);
    const base = await realRoot;
    if (segments.length > 0) {
      const file = await regularFile(base, path.join(root, ...segments));
      if (file) return send(request, file, segments[0] === 'assets' ? 'public, max-age=31536000, immutable' : 'no-cache');
      // A missing asset is a 404, not HTML under a script's name.
      if (segments[0] === 'assets' || path.extname(segments[segments.length - 1]!) !== '') return notFound(request);
    }
    const index = await regularFile(base, path.join(root, 'index.html'));
    return index ? send(request, index, 'no-cache') : undefined;
  };
}

/** The real path of a regular file inside the (real) root, or undefined (symlinks out are refused). */
async function regularFile(realRoot: string, file: string): Promise<string | undefined> {
  try {
    const real = await realpath(file);
    const relative = path.relative(realRoot, real);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

async function send(request: Request, file: string, cacheControl: string): Promise<Response> {
  const info = await stat(file);
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'Content-Type': type,
    'Cache-Control': cacheControl,
    ETag: etag,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  if (type.startsWith('text/html')) Object.assign(headers, { 'Content-Security-Policy': CSP, 'X-Frame-Options': 'DENY' });
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
  if (request.method === 'HEAD') return new Response(null, { status: 200, headers: { ...headers, 'Content-Length': String(info.size) } });
  return new Response(await readFile(file), { status: 200, headers });
}

function notFound(request: Request): Response {
  const body = request.method === 'HEAD' ? null : JSON.stringify({ error: { code: 'NotFound', message: 'no such file' } });
  return new Response(body, { status: 404, headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
}
