/**
 * `@runlens/kubernetes/cluster`: the kubeconfig loader and the run model as pure functions over wire
 * objects, for tools that want them without the provider. Kept off the package's main entry so that
 * importing the provider definition (every CLI command does) loads neither the YAML parser nor these.
 */
export { KubeconfigError, loadClusterAccess, runExecPlugin } from './kubeconfig.js';

export type { ClusterAccess, ClusterAuth, ExecConfig, ExecCredential, LoadOptions } from './kubeconfig.js';
export * from './model/index.js';
