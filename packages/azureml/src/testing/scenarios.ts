/**
 * Deterministic seed data: fixed times, seeded pseudo-random curves, fixed-width generated logs.
 */
import type { LazyBody } from './content.js';
import type { Workspace } from './state.js';
import { seededRandom } from '@runlens/core/emulator';

export const SCENARIO_NAMES = [
  'rl-az-completed-2node',
  'rl-az-failed',
  'rl-az-running',
  'rl-az-seed004',
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** 2024-05-14T09:00:00Z: every scenario time is an offset from here. */
const T0 = Date.UTC(2024, 4, 14, 9, 0, 0);
const SECOND = 1000;
const MINUTE = 60 * SECOND;

export function seedScenarios(workspace: Workspace): void {
  seedCompleted2Node(workspace);
  seedFailed(workspace);
  seedRunning(workspace);
  seedSeed004(workspace);
}

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;

const logLine = (ms: number, level: string, text: string): string =>
  `${new Date(ms).toISOString()} ${level.padEnd(7)} ${text}\n`;

/** Deterministic binary body of any size, generated on demand. */
export function patternBody(size: number, seed: number): LazyBody {
  return {
    size,
    generate(offset, length) {
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i += 1) {
        bytes[i] = (Math.imul(offset + i + seed, 2654435761) >>> 24) & 0xff;
      }
      return bytes;
    },
  };
}

const COMPLETED_STEPS = 2400;

function seedCompleted2Node(workspace: Workspace): void {
  const name = 'rl-az-completed-2node';
  const startedAt = T0 + 3 * MINUTE + 12 * SECOND;
  workspace.putJob({
    name,
    status: 'Completed',
    displayName: 'resnet50-imagenet-2node',
    experimentName: 'runlens-scenarios',
    description: 'ResNet-50 on 2 nodes x 2 GPUs',
    instanceCount: 2,
    processCountPerInstance: 2,
    instanceType: 'Standard_NC12s_v3',
    command: 'torchrun --nproc_per_node 2 train.py --epochs 8',
    tags: { team: 'vision', scenario: 'completed-2node' },
    params: { learning_rate: '0.001', batch_size: '64', epochs: '8', optimizer: 'adamw' },
    createdAt: T0,
    startedAt,
    endedAt: T0 + 41 * MINUTE + 55 * SECOND,
  });

  const noise = seededRandom(2024);
  const stepMs = 900;
  const firstStepAt = startedAt + 30 * SECOND;
  const loss: number[] = [];
  const accuracy: number[] = [];
  for (let step = 0; step < COMPLETED_STEPS; step += 1) {
    loss.push(round6(0.08 + 2.22 * Math.exp(-step / 550) + 0.02 * (noise() - 0.5)));
    accuracy.push(round6(Math.min(0.999, 0.1 + 0.83 * (1 - Math.exp(-step / 500)) + 0.01 * (noise() - 0.5))));
    workspace.logMetric(name, 'loss', loss[step] ?? 0, step, firstStepAt + step * stepMs);
    workspace.logMetric(name, 'accuracy', accuracy[step] ?? 0, step, firstStepAt + step * stepMs);
  }

  const stepsPerEpoch = COMPLETED_STEPS / 8;
  for (let rank = 0; rank < 4; rank += 1) {
    const node = Math.floor(rank / 2);
    let text = logLine(startedAt + rank * 40, 'INFO', `Rank ${rank} (node ${node}, local rank ${rank % 2}) starting on 10.0.0.${4 + node}`);
    text += logLine(startedAt + 2 * SECOND, 'INFO', `Initializing process group: backend=nccl world_size=4 rank=${rank}`);
    text += logLine(startedAt + 9 * SECOND, 'WARNING',
      '/opt/conda/lib/python3.10/site-packages/torch/utils/data/dataloader.py:558: UserWarning: This DataLoader will create 8 worker processes in total.');
    text += '  warnings.warn(_create_warning_msg(\n';
    if (rank === 0) {
      text += logLine(startedAt + 10 * SECOND, 'INFO', 'Config:');
      text += '  model: resnet50\n  batch_size: 64\n  optimizer: adamw (lr=0.001, weight_decay=0.05)\n';
    }
    for (let step = 0; step < COMPLETED_STEPS; step += 1) {
      const at = firstStepAt + step * stepMs;
      if (rank === 0 && step % 100 === 0) {
        text += logLine(at, 'INFO', `epoch ${Math.floor(step / stepsPerEpoch)} step ${step} loss ${loss[step]} accuracy ${accuracy[step]}`);
      }
      if ((step + 1) % stepsPerEpoch === 0) {
        text += logLine(at + 150, 'INFO', `rank ${rank} finished epoch ${(step + 1) / stepsPerEpoch - 1}`);
      }
    }
    const doneAt = firstStepAt + COMPLETED_STEPS * stepMs;
    text += rank === 0
      ? logLine(doneAt, 'INFO', 'Training complete; saved outputs/checkpoints/model_final.pt')
      : logLine(doneAt, 'INFO', `Rank ${rank} finished`);
    workspace.setLog(name, `user_logs/std_log_process_${rank}.txt`, text);
  }

  let driver = logLine(startedAt - 20 * SECOND, 'INFO', 'Entering Run History Context Manager.');
  driver += logLine(startedAt - 19 * SECOND, 'INFO', 'Current directory: /mnt/azureml/cr/j/3f9e/exe/wd');
  driver += logLine(startedAt - 18 * SECOND, 'INFO', 'Preparing to call script [train.py] with arguments:');
  driver += "  ['--epochs', '8']\n";
  driver += logLine(startedAt, 'INFO', 'Starting the daemon thread to refresh tokens in background for process with pid = 117');
  driver += logLine(T0 + 41 * MINUTE + 40 * SECOND, 'INFO', 'Script process exited with code 0');
  driver += logLine(T0 + 41 * MINUTE + 41 * SECOND, 'INFO', 'The activity completed successfully. Finalizing run...');
  workspace.setLog(name, 'azureml-logs/70_driver_log.txt', driver);

  workspace.putArtifact(name, 'outputs/checkpoints/model_final.pt', patternBody(500 * 1024 * 1024, 7));
  workspace.putArtifact(name, 'outputs/metrics.json', `${JSON.stringify({
    final_loss: loss.at(-1),
    final_accuracy: accuracy.at(-1),
    steps: COMPLETED_STEPS,
  })}\n`);
}

export const FAILED_TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/mnt/azureml/cr/j/8b2c/exe/wd/train.py", line 4, in <module>',
  '    import torchvision',
  "ModuleNotFoundError: No module named 'torchvision'",
].join('\n');

function seedFailed(workspace: Workspace): void {
  const name = 'rl-az-failed';
  const startedAt = T0 + 60 * MINUTE + 2 * MINUTE;
  const endedAt = startedAt + 38 * SECOND;
  workspace.putJob({
    name,
    status: 'Failed',
    displayName: 'missing-dependency',
    experimentName: 'runlens-scenarios',
    instanceCount: 1,
    command: 'python train.py',
    tags: { scenario: 'failed' },
    params: { learning_rate: '0.01' },
    createdAt: T0 + 60 * MINUTE,
    startedAt,
    endedAt,
  });
  const log = logLine(startedAt + 5 * SECOND, 'INFO', 'Starting training script train.py') +
    logLine(startedAt + 6 * SECOND, 'INFO', 'Python 3.10.14, torch 2.2.1+cu121') +
    `${FAILED_TRACEBACK}\n`;
  workspace.setLog(name, 'user_logs/std_log.txt', log);
  workspace.setRunError(name, {
    code: 'UserError',
    message: "Execution failed. User process 'python' exited with status code 1. " +
      "Please check log file 'user_logs/std_log.txt' for error details. " +
      `Error: ${FAILED_TRACEBACK}\n\n`,
    messageFormat: "Execution failed. User process '{processName}' exited with status code {exitCode}. " +
      "Please check log file '{logPath}' for error details. Error: {error}",
    messageParameters: {
      processName: 'python',
      exitCode: '1',
      logPath: 'user_logs/std_log.txt',
      error: FAILED_TRACEBACK,
    },
  });
}

function seedRunning(workspace: Workspace): void {
  const name = 'rl-az-running';
  const startedAt = T0 + 120 * MINUTE + MINUTE;
  workspace.putJob({
    name,
    status: 'Running',
    displayName: 'bert-finetune',
    experimentName: 'runlens-scenarios',
    instanceCount: 2,
    instanceType: 'Standard_NC6s_v3',
    command: 'torchrun train.py',
    tags: { scenario: 'running' },
    params: { learning_rate: '0.0003', batch_size: '32' },
    createdAt: T0 + 120 * MINUTE,
    startedAt,
  });
  const noise = seededRandom(7);
  for (let step = 0; step < 50; step += 1) {
    workspace.logMetric(name, 'loss', round6(1.2 * Math.exp(-step / 80) + 0.01 * noise()), step, startedAt + 20 * SECOND + step * SECOND);
  }
  for (let rank = 0; rank < 2; rank += 1) {
    workspace.setLog(name, `user_logs/std_log_process_${rank}.txt`,
      logLine(startedAt + 2 * SECOND, 'INFO', `Rank ${rank} starting on 10.0.1.${4 + rank}`) +
      logLine(startedAt + 19 * SECOND, 'INFO', `rank ${rank} entering training loop`));
  }
}

export const SEED004_ARTIFACT_TEXT = 'This should be the contents of artifact/path in the service';

/** Seed 004 (2017 Workbench logging API): int, float, string and list metrics plus outputs/ files. */
function seedSeed004(workspace: Workspace): void {
  const name = 'rl-az-seed004';
  const startedAt = T0 + 180 * MINUTE + 30 * SECOND;
  workspace.putJob({
    name,
    status: 'Completed',
    displayName: 'iris_sklearn.py',
    experimentName: 'iris',
    instanceCount: 1,
    instanceType: 'Standard_DS3_v2',
    computeName: 'cpu-cluster',
    command: 'python iris_sklearn.py',
    tags: { scenario: 'seed004' },
    params: { regularization: '0.01' },
    createdAt: T0 + 180 * MINUTE,
    startedAt,
    endedAt: startedAt + 47 * SECOND,
  });
  const at = startedAt + 12 * SECOND;
  workspace.logMetric(name, 'simple integer value', 7, 0, at);
  workspace.logMetric(name, 'simple float value', 3.141592, 0, at + 1);
  workspace.logMetric(name, 'simple string value', 'this is a string metric', 0, at + 2);
  workspace.logMetric(name, 'chart data points', [1, 3, 5, 10, 6, 4], 0, at + 3);
  workspace.setLog(name, 'user_logs/std_log.txt',
    logLine(startedAt + 2 * SECOND, 'INFO', 'Iris dataset loaded: 150 rows') +
    logLine(at, 'INFO', 'Accuracy is 0.6792452830188679') +
    logLine(startedAt + 40 * SECOND, 'INFO', 'Export the model to outputs/model.pkl'));
  workspace.putArtifact(name, 'outputs/model.pkl', pickleLikeBody());
  workspace.putArtifact(name, 'outputs/notes/artifact-path.txt', SEED004_ARTIFACT_TEXT);
}

/** 1 KiB starting with a pickle protocol-4 header; the rest is deterministic filler. */
function pickleLikeBody(): Uint8Array {
  const filler = patternBody(1024, 4);
  const bytes = filler.generate(0, filler.size);
  bytes.set([0x80, 0x04, 0x95], 0);
  return bytes;
}

export interface GrowingLogsOptions {
  /** Number of log files (one per rank). */
  files: number;
  /** Initial size of each file; rounded up to whole lines. */
  bytesPerFile: number;
}

export interface GrowingLogs {
  /** Log file paths, rank order. */
  readonly paths: readonly string[];
  /** Appends about `bytesPerFile` bytes (whole lines) to every file. */
  grow(bytesPerFile: number): void;
  /** Current total size of all files. */
  totalBytes(): number;
}

/** Fixed-width lines make any byte offset computable without materialising the file. */
const LINE_BYTES = 128;

/**
 * Per-rank logs of any size for benchmarks: content is generated on read, and `grow` appends
 * more generated lines. Creates a Running job when `name` does not exist.
 */
export function seedGrowingLogs(workspace: Workspace, name: string, options: GrowingLogsOptions): GrowingLogs {
  if (workspace.get(name) === undefined) {
    workspace.putJob({ name, status: 'Running', displayName: 'growing-logs', instanceCount: options.files });
  }
  const paths = Array.from({ length: options.files }, (_, rank) => `user_logs/std_log_process_${rank}.txt`);
  const lines = new Array<number>(options.files).fill(0);
  const grow = (bytesPerFile: number): void => {
    const count = Math.ceil(bytesPerFile / LINE_BYTES);
    paths.forEach((path, rank) => {
      const first = lines[rank] ?? 0;
      workspace.appendLog(name, path, generatedLines(rank, first, count));
      lines[rank] = first + count;
    });
  };
  grow(options.bytesPerFile);
  return {
    paths,
    grow,
    totalBytes: () => paths.reduce((sum, path) => sum + (workspace.get(name)?.files.get(path)?.content.size ?? 0), 0),
  };
}

function generatedLine(rank: number, index: number): string {
  const text = `${new Date(T0 + index * 250).toISOString()} INFO    [rank ${rank}] step ${String(index).padStart(9, '0')} ` +
    `loss=${(2 * Math.exp(-index / 20_000) + 0.05).toFixed(6)} throughput=${(180 + (index % 17)).toFixed(1)} samples/s`;
  return `${text.padEnd(LINE_BYTES - 1, ' ')}\n`;
}

function generatedLines(rank: number, firstLine: number, count: number): LazyBody {
  return {
    size: count * LINE_BYTES,
    generate(offset, length) {
      const startLine = Math.floor(offset / LINE_BYTES);
      const endLine = Math.ceil((offset + length) / LINE_BYTES);
      let text = '';
      for (let line = startLine; line < endLine; line += 1) text += generatedLine(rank, firstLine + line);
      const skip = offset - startLine * LINE_BYTES;
      return Buffer.from(text, 'latin1').subarray(skip, skip + length);
    },
  };
}
