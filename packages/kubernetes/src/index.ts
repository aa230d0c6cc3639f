/** `@runlens/kubernetes`: the Kubernetes provider's foundation. The emulators are under `./testing`. */
export { KubeconfigError, loadClusterAccess, runExecPlugin } from './kubeconfig.js';

export type { ClusterAccess, ClusterAuth, ExecConfig, ExecCredential, LoadOptions } from './kubeconfig.js';
export * from './model/index.js';
