import type { ProviderDefinition } from '@runlens/core';
import { modelartsSettingsSchema, SETTING_OPTIONS, type ModelartsHandle, type ModelartsSettings } from './settings.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * Huawei Cloud ModelArts training jobs. Refs: `modelarts:<training_job_id>` (v2, a UUID),
 * `modelarts:<job_id>/<version_id>` (v1, numeric), or a console URL naming a v2 job.
 */
export const modelartsProvider: ProviderDefinition<ModelartsSettings, ModelartsHandle> = {
  specificationVersion: 'v2',
  id: 'modelarts',
  displayName: 'Huawei Cloud ModelArts',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: true, trainingMetrics: false, artifacts: true },
  settings: { schema: modelartsSettingsSchema, options: SETTING_OPTIONS },
  refHelp: 'modelarts:<job id> (v2) or <job id>/<version id> (v1), or a console URL',
  environment: [
    { name: 'HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK (HUAWEICLOUD_SDK_SECURITY_TOKEN)', description: 'ModelArts AK/SK credentials (a security token for temporary ones)' },
    { name: 'HUAWEICLOUD_SDK_IAM_TOKEN', description: 'ModelArts IAM token, when no AK/SK is set' },
  ],
  claim: (text) => (/^https:\/\/console[^/]*\.huaweicloud\.com\/modelarts\//.test(text) ? UUID.exec(text)?.[0] : undefined),
  // Credentials, a project, and somewhere to send requests (a region or an endpoint). The project,
  // region and endpoint variables arrive as settings (core reads the variables SETTING_OPTIONS declares).
  isConfigured: ({ env, settings }) =>
    Boolean((env.HUAWEICLOUD_SDK_IAM_TOKEN || (env.HUAWEICLOUD_SDK_AK && env.HUAWEICLOUD_SDK_SK)) && settings.projectId && (settings.region || settings.endpoint)),
  load: async (environment) => (await import('./provider.js')).createModelartsProvider(environment),
};

export type { ModelartsHandle, ModelartsSettings } from './settings.js';
