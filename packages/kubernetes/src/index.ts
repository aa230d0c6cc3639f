/** `@runlens/kubernetes`: the Kubernetes provider's foundation (kubeconfig loading; the emulators are under ./testing). */
export {};
