// Core's shared follow (LogFanout / SharedFollows) with a real provider: the local archives.
import { createRunlens, LogFanout, SharedFollows, type FollowedLine } from '@runlens/core';
import { localProvider } from '@runlens/local';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

const REF = 'local:./examples/runs/sagemaker-xgboost-completed';
const runlens = createRunlens({ providers: [localProvider], cwd: REPO, env: {} });
afterAll(() => runlens.close());

/** Opens followers' readers and remembers each one's signal. */
function opener() {
  const signals: AbortSignal[] = [];
  const open = (cursor: string | undefined, signal: AbortSignal) => {
    signals.push(signal);
    return runlens.logs(REF, { follow: true, cursor, signal });
  };
  return { open, signals };
}

async function drain(lines: AsyncIterable<FollowedLine>): Promise<FollowedLine[]> {
  const out: FollowedLine[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

const messages = (lines: FollowedLine[]) => lines.map((l) => `${l.record.node} ${l.record.timestamp} ${l.record.message}`);

describe('LogFanout', () => {
  it('a follower that falls out of the buffer continues on its own reader with nothing lost or repeated', async () => {
    const { open } = opener();
    const fanout = new LogFanout(open, { capacity: 5 });
    const fast = await fanout.attach();
    const slow = await fanout.attach();
    const a = await drain(fast);
    expect(a).toHaveLength(44);
    const b = await drain(slow);
    expect(messages(b)).toEqual(messages(a));
    expect(fanout.stats).toEqual({ shared: 1, own: 1 });
  });

  it('followers in step share one reader; a cursor still in the buffer resumes from it without a new reader', async () => {
    const { open } = opener();
    const fanout = new LogFanout(open, { capacity: 100 });
    const first = (await fanout.attach())[Symbol.asyncIterator]();
    const taken: FollowedLine[] = [];
    for (let i = 0; i < 10; i++) taken.push((await first.next()).value as FollowedLine);
    const resumed = await drain(await fanout.attach({ cursor: taken[4]!.cursor }));
    const rest = await drain({ [Symbol.asyncIterator]: () => first });
    expect(messages(resumed)).toEqual(messages([...taken.slice(5), ...rest]));
    expect(fanout.stats).toEqual({ shared: 1, own: 0 });
  });

  it('the last follower leaving aborts the upstream read at once', async () => {
    const { open, signals } = opener();
    const follows = new SharedFollows();
    const controller = new AbortController();
    const lines = (await follows.attach('k', open, { signal: controller.signal }))[Symbol.asyncIterator]();
    await lines.next();
    expect(follows.size).toBe(1);
    controller.abort();
    await expect(lines.next()).rejects.toMatchObject({ code: 'Interrupted' });
    expect(signals[0]!.aborted).toBe(true);
    expect(follows.size).toBe(0);
  });

  it('a follower that leaves before reading anything does not keep the read alive', async () => {
    const { open, signals } = opener();
    const follows = new SharedFollows();
    const controller = new AbortController();
    await follows.attach('k', open, { signal: controller.signal });
    controller.abort();
    expect(signals[0]!.aborted).toBe(true);
    expect(follows.size).toBe(0);
  });
});
