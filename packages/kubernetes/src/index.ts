/** `@runlens/kubernetes`: the Kubernetes provider (contract v2). The emulators are under `./testing`. */
export { kubernetesProvider } from './definition.js';
export { kubernetesSettingsSchema } from './settings.js';
export type { KubernetesHandle, KubernetesSettings } from './settings.js';

// The kubeconfig loader and the run model: `@runlens/kubernetes/cluster` (kept off this entry: start-up).
