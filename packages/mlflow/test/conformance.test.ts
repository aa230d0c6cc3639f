import { localProvider } from '@runlens/local';
import { runConformance } from '@runlens/core/testing';
import { mlflowProvider } from '../src/index.js';
import { logArtifactPath } from '../src/conventions.js';
import { startMlflowEmulator } from '../src/testing/index.js';
import { MLFLOW_STATUS, logLines, seedFixture } from './harness.js';

runConformance({
  name: 'mlflow',
  provider: mlflowProvider,
  archiveProvider: localProvider,
  nodes: ['node-0', 'node-1', 'node-2'],
  missingRef: 'mlflow:0123456789abcdef0123456789abcdef',
  seeds: { metrics: true, artifacts: true },
  async start() {
    const emulator = await startMlflowEmulator();
    const runOf = (ref: string) => ref.slice('mlflow:'.length);
    return {
      env: { MLFLOW_TRACKING_URI: emulator.url },
      // Small pages so the suite's bursts of equal timestamps span many of them.
      settings: { logPageBytes: 4096 },
      async seed(fixture) {
        return `mlflow:${seedFixture(emulator, fixture)}`;
      },
      async appendLogs(ref, node, lines) {
        emulator.appendArtifact(runOf(ref), logArtifactPath(node), logLines(node, lines));
      },
      async setStatus(ref, status) {
        emulator.setRunStatus(runOf(ref), MLFLOW_STATUS[status], status === 'running' || status === 'pending' ? undefined : Date.now());
      },
      close: () => emulator.close(),
    };
  },
});
