// The same conformance suite against the SageMaker flavour with artifacts in S3: every tracking call
// SigV4-signed for sagemaker-mlflow, logs and artifacts listed through `artifacts/list` and read with
// GetObject signed for s3 (the log reader's byte offsets as `Range`), as a managed tracking server's runs are read.
import { localProvider } from '@runlens/local';
import { runConformance } from '@runlens/core/testing';
import { mlflowProvider } from '../src/index.js';
import { logArtifactPath } from '../src/conventions.js';
import { startMlflowEmulator } from '../src/testing/index.js';
import { MLFLOW_STATUS, logLines, seedFixture } from './harness.js';

const ARN = 'arn:aws:sagemaker:us-east-2:123456789012:mlflow-tracking-server/conformance';

runConformance({
  name: 'mlflow (SageMaker, artifacts in S3)',
  provider: mlflowProvider,
  archiveProvider: localProvider,
  nodes: ['node-0', 'node-1', 'node-2'],
  missingRef: 'mlflow:0123456789abcdef0123456789abcdef',
  seeds: { metrics: true, artifacts: true },
  async start() {
    const emulator = await startMlflowEmulator({
      auth: { sigv4: { arn: ARN, region: 'us-east-2', accessKeyId: 'AKIDCONFORMANCE', secretAccessKey: 'conformance-secret-0123456789' } },
      s3: { bucket: 'sagemaker-us-east-2-123456789012' },
    });
    const runOf = (ref: string) => ref.slice('mlflow:'.length);
    return {
      env: { ...emulator.env },
      settings: { logPageBytes: 4096 },
      async seed(fixture) {
        const id = seedFixture(emulator, fixture);
        if (!emulator.state.artifactUri(emulator.state.runs.get(id)!).startsWith('s3://')) throw new Error('the run is not S3-backed');
        return `mlflow:${id}`;
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
