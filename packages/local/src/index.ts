import type { ProviderDefinitionV1 } from '@runlens/core';
import { isAbsolute } from 'node:path';

/**
 * Local run archives: the embedded default. A ref is `local:<directory>`; a bare path starting with
 * `./`, `../` or `/` is claimed too. Reading needs no account and no network.
 */
export const localProvider: ProviderDefinitionV1 = {
  specificationVersion: 'v1',
  id: 'local',
  displayName: 'Local run archive',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: true, trainingMetrics: true, metricSteps: true, artifacts: true },
  claim: (text) => (text.startsWith('./') || text.startsWith('../') || isAbsolute(text) ? text : undefined),
  isConfigured: () => true,
  load: async (environment) => (await import('./provider.js')).createLocalProvider(environment),
};


export { readArchive, type ArchiveContents } from './archive.js';
