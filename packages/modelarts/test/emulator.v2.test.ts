import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callEmulator,
  SCENARIO,
  SEED_METRICS,
  startModelartsEmulator,
  syntheticLog,
  type ModelartsEmulator,
  type TrainingJobDetail,
} from '../src/testing/index.js';

let emulator: ModelartsEmulator;
const job = (id: string, suffix = '') => `/v2/${emulator.projectId}/training-jobs/${id}${suffix}`;

async function getJson<T>(path: string, query?: Record<string, string | number>): Promise<{ status: number; body: T; text: string }> {
  const res = await callEmulator(emulator, path, query ? { query } : {});
  return { status: res.status, text: res.text, body: (res.text ? JSON.parse(res.text) : undefined) as T };
}

interface Preview {
  content?: string;
  context?: string;
  current_size: number;
  full_size: number;
}

beforeAll(async () => {
  emulator = await startModelartsEmulator({ scenarios: true });
});
afterAll(() => emulator.close());

describe('training job detail', () => {
  it('serves the completed 2-task job with ms create_time and seconds in running_records', async () => {
    const { status, body } = await getJson<TrainingJobDetail>(job(SCENARIO.completedJobId));
    expect(status).toBe(200);
    expect(body.kind).toBe('job');
    expect(body.metadata).toMatchObject({ id: SCENARIO.completedJobId, name: 'trainjob-resnet50-2nodes', create_time: 1621317842000 });
    expect(body.status).toMatchObject({ phase: 'Completed', duration: 1_380_000, start_time: 1621317914000, tasks: ['worker-0', 'worker-1'] });
    expect(body.status.running_records).toEqual([
      { start_at: 1621317914, end_at: 1621319294, end_reason: 'job completed', start_type: 'init_or_rescheduled' },
    ]);
    expect(body.algorithm?.outputs?.[0]?.remote.obs.obs_url).toBe('obs://runlens-demo/resnet50/output/');
    expect(body.spec?.resource).toMatchObject({ flavor_id: 'modelarts.p3.large.public', node_count: 2 });
  });

  it('carries the failure of worker-1 in task_statuses and running_records', async () => {
    const { body } = await getJson<TrainingJobDetail>(job(SCENARIO.failedJobId));
    expect(body.status.phase).toBe('Failed');
    expect(body.status.task_statuses).toEqual([
      { task: 'worker-1', exit_code: 137, message: 'exit with 137: the process was killed (OOMKilled), memory limit exceeded' },
    ]);
    expect(body.status.running_records?.[0]).toMatchObject({ end_reason: 'exit with 137', end_related_task: 'worker-1' });
    expect(body.algorithm?.outputs?.[0]?.remote.obs.obs_url).toBe('/runlens-demo/bert-finetune/output/');
  });

  it('answers an unknown job with HTTP 400 ModelArts.2775', async () => {
    const { status, body } = await getJson<{ error_code: string; error_msg: string }>(job('00000000-0000-0000-0000-000000000000'));
    expect(status).toBe(400);
    expect(body.error_code).toBe('ModelArts.2775');
    expect(body.error_msg).toMatch(/^Training job not found/);
  });

  it('reflects setPhase', async () => {
    emulator.setPhase(SCENARIO.runningJobId, 'Terminating');
    const { body } = await getJson<TrainingJobDetail>(job(SCENARIO.runningJobId));
    expect(body.status).toMatchObject({ phase: 'Terminating', secondary_phase: 'Terminating' });
    emulator.setPhase(SCENARIO.runningJobId, 'Running');
  });
});

describe('training job search', () => {
  interface Page {
    total: number;
    count: number;
    limit: number;
    offset: number;
    sort_by: string;
    order: string;
    items: TrainingJobDetail[];
  }
  const search = async (body: unknown) => {
    const res = await callEmulator(emulator, `/v2/${emulator.projectId}/training-job-searches`, { json: body });
    return { status: res.status, page: JSON.parse(res.text) as Page };
  };

  it('treats offset as a page index and sorts by create_time desc', async () => {
    const pages = await Promise.all([0, 1, 2].map((offset) => search({ offset, limit: 2 })));
    expect(pages.map((p) => p.page.count)).toEqual([2, 2, 1]);
    expect(pages[0]?.page).toMatchObject({ total: 5, limit: 2, offset: 0, sort_by: 'create_time', order: 'desc' });
    expect(pages.flatMap((p) => p.page.items.map((i) => i.metadata.id))).toEqual([
      SCENARIO.creatingJobId,
      SCENARIO.runningJobId,
      SCENARIO.largeLogJobId,
      SCENARIO.failedJobId,
      SCENARIO.completedJobId,
    ]);
  });

  it('filters on phase and name and ignores empty filter values', async () => {
    const { page } = await search({
      filters: [
        { key: 'phase', operator: 'in', value: ['Failed', 'Completed'] },
        { key: 'name', operator: 'like', value: ['resnet'] },
        { key: 'algorithm_name', operator: 'like', value: [''] },
      ],
    });
    expect(page.items.map((i) => i.metadata.id)).toEqual([SCENARIO.completedJobId]);
    expect(page.total).toBe(1);
  });

  it('rejects a limit above 50', async () => {
    const { status } = await search({ limit: 51 });
    expect(status).toBe(400);
  });
});

describe('events', () => {
  interface Events {
    total: number;
    limit: number;
    offset: number;
    order: string;
    events: { time: string; level: string; message: string; source: string }[];
  }

  it('filters on level with +08:00 times', async () => {
    const { body } = await getJson<Events>(job(SCENARIO.failedJobId, '/events'), { level: 'Error' });
    expect(body.total).toBe(1);
    expect(body.events).toEqual([{ time: '2021-11-26T16:03:41+08:00', level: 'Error', message: 'Training job failed.', source: 'Job' }]);
  });

  it('pages with offset/limit, newest first by default, oldest first with order=asc', async () => {
    const first = await getJson<Events>(job(SCENARIO.failedJobId, '/events'), { offset: 0, limit: 3 });
    const second = await getJson<Events>(job(SCENARIO.failedJobId, '/events'), { offset: 3, limit: 3 });
    expect(first.body).toMatchObject({ total: 8, limit: 3, offset: 0, order: 'desc' });
    expect(first.body.events[0]?.message).toBe('Training job failed.');
    expect(second.body.events[0]).toMatchObject({ level: 'Warning', time: '2021-11-26T16:03:09+08:00' });
    const asc = await getJson<Events>(job(SCENARIO.failedJobId, '/events'), { order: 'asc', limit: 1 });
    expect(asc.body.events[0]?.source).toBe('K8S');
  });

  it('rejects limit 0 and a lone start_time', async () => {
    expect((await getJson(job(SCENARIO.failedJobId, '/events'), { limit: 0 })).status).toBe(400);
    expect((await getJson(job(SCENARIO.failedJobId, '/events'), { start_time: 1 })).status).toBe(400);
  });
});

describe('log preview', () => {
  it('returns a whole small log with equal sizes, timestamped, plain and Chinese lines', async () => {
    const { status, body } = await getJson<Preview>(job(SCENARIO.completedJobId, '/tasks/worker-0/logs/preview'));
    expect(status).toBe(200);
    expect(body.context).toBeUndefined();
    const content = body.content ?? '';
    expect(body.current_size).toBe(Buffer.byteLength(content));
    expect(body.full_size).toBe(body.current_size);
    expect(content).toContain('[ModelArts Service Log][INFO][2021/05/18 14:05:15,000]: worker-0 sidecar started\n');
    expect(content).toContain('Epoch 3/3 step 300: loss=0.5750 lr=0.0010\n');
    expect(content).toContain('第 3 轮训练完成，验证集准确率 0.910\n');
    expect(content).toMatch(/exiting at 2021-05-18-14:28:14\n$/);
  });

  it('uses the pre-2022 `context` field for jobs switched to it', async () => {
    const failed = await getJson<Preview>(job(SCENARIO.failedJobId, '/tasks/worker-1/logs/preview'));
    expect(failed.body.content).toBeUndefined();
    expect(failed.body.context).toContain('RuntimeError: CUDA out of memory.');
    emulator.setJobOptions(SCENARIO.completedJobId, { previewField: 'context' });
    const switched = await getJson<Preview>(job(SCENARIO.completedJobId, '/tasks/worker-1/logs/preview'));
    emulator.setJobOptions(SCENARIO.completedJobId, { previewField: 'content' });
    expect(Object.keys(switched.body).sort()).toEqual(['context', 'current_size', 'full_size']);
  });

  it('truncates a 12 MiB log to the newest 5 MiB, cut at the byte cap mid-line', async () => {
    const { body } = await getJson<Preview>(job(SCENARIO.largeLogJobId, '/tasks/worker-0/logs/preview'));
    const cap = 5 * 1024 * 1024;
    expect(body.full_size).toBe(SCENARIO.largeLogBytes);
    expect(body.current_size).toBe(cap);
    expect(body.full_size).toBeGreaterThan(body.current_size);
    const content = body.content ?? '';
    expect(Buffer.byteLength(content)).toBe(cap);
    const expected = syntheticLog({ size: SCENARIO.largeLogBytes, task: 'worker-0', startMs: Date.UTC(2023, 2, 2, 1, 0, 0) - 30_000 });
    expect(content.slice(0, 200)).toBe(Buffer.from(expected.generate(SCENARIO.largeLogBytes - cap, 200)).toString());
    expect(content.startsWith('[ModelArts')).toBe(false);
    expect(content.endsWith('\n')).toBe(true);
  });

  it('cuts through a multi-byte character when the cap says so', async () => {
    const small = await startModelartsEmulator({ previewCapBytes: 12 });
    try {
      small.putJob({ kind: 'job', metadata: { id: 'j', name: 'j', create_time: 0 }, status: { phase: 'Running', tasks: ['worker-0'] } });
      small.setTaskLog('j', 'worker-0', 'ab训练完成\n'); // 2 + 4*3 + 1 = 15 bytes; the newest 12 start inside 训
      const res = await callEmulator(small, `/v2/${small.projectId}/training-jobs/j/tasks/worker-0/logs/preview`);
      expect(JSON.parse(res.text)).toEqual({ content: '\uFFFD\uFFFD练完成\n', current_size: 12, full_size: 15 });
    } finally {
      await small.close();
    }
  });

  it('grows with appendTaskLog on a running job', async () => {
    const path = job(SCENARIO.runningJobId, '/tasks/worker-0/logs/preview');
    const before = (await getJson<Preview>(path)).body;
    emulator.appendTaskLog(SCENARIO.runningJobId, 'worker-0', 'Epoch 1 step 10: loss=0.9\n');
    const after = (await getJson<Preview>(path)).body;
    expect(after.full_size).toBe(before.full_size + 26);
    expect(after.content?.endsWith('Epoch 1 step 10: loss=0.9\n')).toBe(true);
  });

  it('answers 204 with an empty body while a job is not ready, for preview, url and metrics', async () => {
    for (const suffix of ['/tasks/worker-0/logs/preview', '/tasks/worker-0/logs/url', '/metrics/worker-0']) {
      const res = await callEmulator(emulator, job(SCENARIO.creatingJobId, suffix));
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
    }
  });

  it('answers 400 for an unknown task and ModelArts.2818 for a finished job that never logged', async () => {
    expect((await callEmulator(emulator, job(SCENARIO.completedJobId, '/tasks/worker-9/logs/preview'))).status).toBe(400);
    emulator.putJob({ kind: 'job', metadata: { id: 'silent', name: 'silent', create_time: 1 }, status: { phase: 'Failed', tasks: ['worker-0'] } });
    const res = await getJson<{ error_code: string }>(job('silent', '/tasks/worker-0/logs/preview'));
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('ModelArts.2818');
  });
});

describe('running metrics', () => {
  it('returns the seed-002 arrays with -1 gaps', async () => {
    const { status, body } = await getJson<{ metrics: { metric: string; value: number[] }[] }>(job(SCENARIO.completedJobId, '/metrics/worker-0'));
    expect(status).toBe(200);
    expect(body.metrics).toEqual(SEED_METRICS);
    expect(body.metrics.find((m) => m.metric === 'cpuUsage')?.value.slice(0, 3)).toEqual([-1, -1, 2.43]);
    expect(body.metrics.find((m) => m.metric === 'gpuUtil')?.value.every((v) => v === -1)).toBe(true);
  });
});
