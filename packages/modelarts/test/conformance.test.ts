import { localProvider } from '@runlens/local';
import { runConformance } from '@runlens/core/testing';
import { modelartsProvider } from '../src/index.js';
import { Harness } from './harness.js';

// ModelArts has no training-metric API (capabilities.trainingMetrics is false): the suite seeds only
// the system series (cpu.utilization with a gap), which the harness writes as `cpuUsage` with -1.
runConformance({
  name: 'modelarts',
  provider: modelartsProvider,
  archiveProvider: localProvider,
  nodes: ['worker-0', 'worker-1', 'worker-10'],
  missingRef: 'modelarts:00000000-0000-4000-8000-000000000000',
  seeds: { metrics: true, artifacts: true },
  async start() {
    const harness = await Harness.start();
    return harness.backend();
  },
});
