/** `@runlens/kubernetes`: the Kubernetes provider (contract v2). The emulators are under `./testing`. */
export { kubernetesProvider } from './definition.js';
export { kubernetesSettingsSchema } from './settings.js';
export type { KubernetesHandle, KubernetesSettings } from './settings.js';
export { KubeconfigError, loadClusterAccess, runExecPlugin } from './kubeconfig.js';

export type { ClusterAccess, ClusterAuth, ExecConfig, ExecCredential, LoadOptions } from './kubeconfig.js';
export * from './model/index.js';
