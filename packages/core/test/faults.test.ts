import { describe, expect, it } from 'vitest';
import { FaultPlan } from '../src/emulator/index.js';

describe('FaultPlan', () => {
  const kinds = ['throttle', '500', 'slow'] as const;

  it('fires on every Nth matching request until it has fired `times` times', () => {
    const plan = new FaultPlan<(typeof kinds)[number]>(kinds);
    const handle = plan.inject({ match: '/jobs/', kind: '500', every: 2, times: 2 });
    const outcomes = Array.from({ length: 6 }, () => plan.take('/jobs/x')?.kind ?? 'ok');
    expect(plan.take('/other')).toBeUndefined();
    expect(outcomes).toEqual(['ok', '500', 'ok', '500', 'ok', 'ok']);
    expect([handle.seen, handle.hits]).toEqual([4, 2]);
  });

  it('queues faults: one fires per request, in injection order', () => {
    const plan = new FaultPlan<(typeof kinds)[number]>(kinds);
    plan.inject({ kind: 'throttle', times: 1, delayMs: 3000 });
    plan.inject({ kind: '500', times: 1 });
    expect([plan.take('a'), plan.take('a'), plan.take('a')]).toEqual([{ kind: 'throttle', delayMs: 3000 }, { kind: '500', delayMs: 1000 }, undefined]);
  });

  it('keeps firing until cancelled or cleared, and matches RegExps without carrying state', () => {
    const plan = new FaultPlan<(typeof kinds)[number]>(kinds);
    const forever = plan.inject({ match: /metrics/g, kind: 'slow' });
    expect([plan.take('/metrics/a'), plan.take('/metrics/b')].map((f) => f?.kind)).toEqual(['slow', 'slow']);
    forever.cancel();
    expect(plan.take('/metrics/a')).toBeUndefined();
    plan.inject({ kind: 'throttle' });
    plan.clear();
    expect(plan.take('x')).toBeUndefined();
  });

  it('clusters a sequence on consecutive matching requests: every N spaces the clusters, times counts them', () => {
    const plan = new FaultPlan<(typeof kinds)[number]>(kinds);
    const handle = plan.inject({ match: 'stream-2', sequence: ['throttle', '500', 'throttle'], every: 4, times: 2 });
    const outcomes = Array.from({ length: 16 }, (_, i) => (i % 2 ? plan.take('GetLogEvents stream-1') : plan.take('GetLogEvents stream-2'))?.kind ?? 'ok');
    const stream2 = outcomes.filter((_, i) => i % 2 === 0);
    expect(outcomes.filter((_, i) => i % 2 === 1).every((o) => o === 'ok')).toBe(true);
    // The 4th request of stream-2 starts a cluster of three in a row; then after 4 more, the second (last).
    expect(stream2).toEqual(['ok', 'ok', 'ok', 'throttle', '500', 'throttle', 'ok', 'throttle']);
    expect(plan.take('GetLogEvents stream-2')?.kind).toBe('500');
    expect(plan.take('GetLogEvents stream-2')?.kind).toBe('throttle');
    expect(Array.from({ length: 8 }, () => plan.take('GetLogEvents stream-2'))).toEqual(Array(8).fill(undefined));
    expect(handle.hits).toBe(6);
  });

  it('keeps a cluster going past a request another rule failed', () => {
    const plan = new FaultPlan<(typeof kinds)[number]>(kinds);
    plan.inject({ kind: 'slow', every: 2, delayMs: 5 });
    plan.inject({ sequence: ['throttle', '500'], times: 1 });
    expect(Array.from({ length: 4 }, () => plan.take('x')?.kind ?? 'ok')).toEqual(['throttle', 'slow', '500', 'slow']);
  });

  it('rejects unknown kinds and nonsense counts', () => {
    const plan = new FaultPlan<(typeof kinds)[number]>(kinds);
    expect(() => plan.inject({ kind: 'explode' as never })).toThrow(/unknown fault kind explode/);
    expect(() => plan.inject({ kind: '500', times: 0 })).toThrow(/invalid fault times: 0/);
    expect(() => plan.inject({ kind: '500', every: 1.5 })).toThrow(/invalid fault every/);
    expect(() => plan.inject({ sequence: ['500', 'explode' as never] })).toThrow(/unknown fault kind explode/);
    expect(() => plan.inject({ sequence: [] })).toThrow(/empty fault sequence/);
    expect(() => plan.inject({ kind: '500', sequence: ['500'] })).toThrow(/a kind or a sequence/);
    expect(() => plan.inject({})).toThrow(/a kind or a sequence/);
  });
});
