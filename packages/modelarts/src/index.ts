import type { ProviderDefinitionV1 } from '@runlens/core';
import { fromV1 } from '@runlens/core/from-v1';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * Huawei Cloud ModelArts training jobs. Refs: `modelarts:<training_job_id>` (v2, a UUID),
 * `modelarts:<job_id>/<version_id>` (v1, numeric), or a console URL naming a v2 job.
 */
const modelartsV1: ProviderDefinitionV1 = {
  specificationVersion: 'v1',
  id: 'modelarts',
  displayName: 'Huawei Cloud ModelArts',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: true, trainingMetrics: false, metricSteps: false, artifacts: true },
  claim: (text) => (/^https:\/\/console[^/]*\.huaweicloud\.com\/modelarts\//.test(text) ? UUID.exec(text)?.[0] : undefined),
  // Credentials, a project, and somewhere to send requests (a region or an endpoint).
  isConfigured: ({ env, settings }) =>
    Boolean(
      (env.HUAWEICLOUD_SDK_IAM_TOKEN || (env.HUAWEICLOUD_SDK_AK && env.HUAWEICLOUD_SDK_SK)) &&
        (env.HUAWEICLOUD_SDK_PROJECT_ID || settings?.projectId) &&
        (env.HUAWEICLOUD_REGION || env.MODELARTS_ENDPOINT || settings?.region || settings?.endpoint),
    ),
  load: async (environment) => (await import('./provider.js')).createModelartsProvider(environment),
};

// TEMPORARY (issue 12): contract v1 through core's fromV1 shim until this adapter is migrated to v2.
export const modelartsProvider = fromV1(modelartsV1, {
  options: [{ key: 'region', flag: 'region', description: 'Huawei Cloud region of ModelArts jobs (default: HUAWEICLOUD_REGION)' }],
  environment: [
    { name: 'HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_IAM_TOKEN', description: 'ModelArts credentials' },
    { name: 'HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_REGION, MODELARTS_ENDPOINT', description: 'ModelArts project, region, endpoint' },
  ],
  refHelp: 'modelarts:<job id> (v2) or <job id>/<version id> (v1), or a console URL',
});

