// Core's conformance suite against the Kubernetes emulator, through contract v2 only.
import { localProvider } from '@runlens/local';
import { runConformance } from '@runlens/core/testing';

import { kubernetesProvider } from '../src/index.js';
import { startKubeBackend } from './backend.js';

runConformance({
  name: 'kubernetes',
  provider: kubernetesProvider,
  start: () => startKubeBackend(),
  missingRef: 'k8s:ml/pytorchjob/no-such-job',
  nodes: ['master-0', 'worker-0', 'worker-1', 'worker-2'],
  archiveProvider: localProvider,
  invalidSettings: { namespace: 'Not_A_Namespace' },
});
