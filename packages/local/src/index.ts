import type { ClaimContext, ProviderDefinition } from '@runlens/core';
import { statSync } from 'node:fs';
import path from 'node:path';
import { localSettingsSchema, type LocalHandle, type LocalSettings } from './settings.js';

/**
 * Local run archives: the embedded default. A ref is `local:<directory>`; a bare path is claimed too
 * when it starts with `./`, `../` or `/`, or names an existing directory (`examples/runs/x`, as tab
 * completion gives it). Reading needs no account and no network.
 */
export const localProvider: ProviderDefinition<LocalSettings, LocalHandle> = {
  specificationVersion: 'v2',
  id: 'local',
  displayName: 'Local run archive',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: true, trainingMetrics: true, artifacts: true },
  settings: {
    schema: localSettingsSchema,
    options: [{ key: 'roots', env: ['RUNLENS_LOCAL_ROOT'], type: 'paths', description: "directories (':'-separated) 'runlens runs' searches for local archives (default: .)" }],
  },
  refHelp: "local:<directory>; an existing directory or a path starting with ./ ../ or / means local",
  claim: claimPath,
  isConfigured: () => true,
  load: async (environment) => (await import('./provider.js')).createLocalProvider(environment),
};

const isDirectory = (file: string) => statSync(file, { throwIfNoEntry: false })?.isDirectory() === true;

/** Whether `text` is a path to a local archive (existing or not yet, see below). */
export function claimPath(text: string, context: ClaimContext): string | undefined {
  if (text === '.' || text === '..' || /^\.\.?[\\/]/.test(text)) return text;
  const resolved = path.resolve(context.cwd, text);
  if (isDirectory(resolved)) return text;
  if (!path.isAbsolute(text)) return undefined;
  // A missing absolute path is still a path (and then "not found") when it lies under an existing
  // top-level directory (`/tmp/gone`); `/subscriptions/…/jobs/x` is another provider's native id.
  const top = resolved.split(path.sep).filter(Boolean)[0];
  return top !== undefined && isDirectory(path.join(path.parse(resolved).root, top)) ? text : undefined;
}

export { readArchive, type ArchiveContents } from './archive.js';
export type { LocalHandle, LocalSettings } from './settings.js';
