import { localProvider } from '@runlens/local';
import { runConformance } from '@runlens/core/testing';
import { azuremlProvider } from '../src/index.js';
import { startAzuremlEmulator } from '../src/testing/index.js';
import { AZURE_STATUS, logPath, logText, seedFixture } from './harness.js';

runConformance({
  name: 'azureml',
  provider: azuremlProvider,
  archiveProvider: localProvider,
  nodes: ['rank-0', 'rank-1', 'rank-2'],
  missingRef: 'azureml:no-such-job',
  // The suite seeds only the metric kinds the provider declares: training series here.
  seeds: { metrics: true, artifacts: true },
  async start() {
    const emulator = await startAzuremlEmulator({ artifactPageSize: 1 });
    let n = 0;
    const jobOf = (ref: string) => ref.slice('azureml:'.length);
    return {
      env: emulator.env,
      // Small pages so the suite's bursts of equal timestamps span many of them.
      settings: { logPageBytes: 4096 },
      async seed(fixture) {
        const name = `conformance-${++n}`;
        seedFixture(emulator, name, fixture);
        return `azureml:${name}`;
      },
      async appendLogs(ref, node, lines) {
        emulator.appendLog(jobOf(ref), logPath(node), logText(lines));
      },
      async setStatus(ref, status) {
        emulator.setStatus(jobOf(ref), AZURE_STATUS[status]);
      },
      close: () => emulator.close(),
    };
  },
});
