// A real redis-server for tests, on a loopback port in a temporary directory, stopped after. Found on
// PATH or at RUNLENS_REDIS_SERVER; where it is missing, tests skip with the reason, unless
// RUNLENS_REQUIRE_REDIS=1 (set by .ci/run, which installs Debian's redis-server) makes that a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REQUIRE_REDIS = process.env.RUNLENS_REQUIRE_REDIS === '1';

function findRedisServer(): string | undefined {
  const candidates = [process.env.RUNLENS_REDIS_SERVER, 'redis-server', '/usr/bin/redis-server'].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  return undefined;
}

export const REDIS_SERVER = findRedisServer();
export const REDIS_SKIP_REASON = REDIS_SERVER ? '' : 'redis-server not found (apt-get install redis-server, or set RUNLENS_REDIS_SERVER)';

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts redis-server as BullMQ wants it (noeviction), with nothing persisted. */
export async function startRedis(): Promise<TestRedis> {
  if (!REDIS_SERVER) throw new Error(REDIS_SKIP_REASON);
  const dir = mkdtempSync(path.join(tmpdir(), 'runlens-redis-'));
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = await readyOrExit(child);
    if (ready) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        async stop() {
          if (child.exitCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            await exited;
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    // Another process took the port between our probe and redis binding it: try another.
    if (tries >= 4) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error('redis-server did not start on a free loopback port');
    }
  }
}

function readyOrExit(child: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(true);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', () => resolve(false));
  });
}
