// Core's conformance suite against the loopback emulator, through the real AWS SDK clients.
import { localProvider } from '@runlens/local';
import { runConformance } from '@runlens/core/testing';
import { sagemakerProvider } from '../src/index.js';
import { startBackend } from './harness.js';

runConformance({
  name: 'sagemaker',
  provider: sagemakerProvider,
  archiveProvider: localProvider,
  // algo-10 sorts before algo-2 in CloudWatch's lexical stream order; core merges naturally.
  nodes: Array.from({ length: 10 }, (_, i) => `algo-${i + 1}`),
  missingRef: 'sagemaker:no-such-training-job',
  seeds: { metrics: true, artifacts: true },
  // 1,200 lines in one millisecond per node against 500-event pages: bursts span pages.
  burst: 1_200,
  start: () =>
    startBackend(
      { logPageLimit: 500, metricPageSize: 3 },
      // The fixture's loss series has points 30 s apart. CloudWatch serves sub-minute points only at a
      // sub-minute period (high-resolution data, kept 3 hours); the adapter asks for 1-minute points
      // unless told otherwise, so the harness sets the period the data was written at.
      { metricPeriodSeconds: 30 },
    ),
});
