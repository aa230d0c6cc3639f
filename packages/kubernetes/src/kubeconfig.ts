/**
 * Where the cluster is and how to authenticate, the way kubectl decides it
 * (kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/; client-go
 * tools/clientcmd DeferredLoadingClientConfig):
 * an explicit kubeconfig path, else the `KUBECONFIG` list merged (first file to set a value or map
 * key wins, missing files skipped, unparseable ones an error), else `~/.kube/config`; the context from
 * `--context` or `current-context`; when no kubeconfig gives a cluster, the pod's service account
 * (in-cluster). Auth: token, token file, client certificate, basic, or an exec credential plugin.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

import { parse } from 'yaml';

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

export interface ExecConfig {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: ReadonlyArray<{ name: string; value: string }>;
  readonly apiVersion: string;
  readonly installHint?: string;
  readonly provideClusterInfo: boolean;
  readonly interactiveMode?: string;
}

export type ClusterAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  /** Re-read on use: projected service-account tokens rotate. */
  | { readonly kind: 'token-file'; readonly path: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'exec'; readonly exec: ExecConfig };

export interface ClusterAccess {
  readonly source: 'kubeconfig' | 'in-cluster';
  /** The kubeconfig context used (undefined in-cluster). */
  readonly context: string | undefined;
  readonly server: string;
  readonly namespace: string;
  /** PEM, if the cluster names a CA; otherwise the system roots. */
  readonly ca: string | undefined;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName: string | undefined;
  /** PEM client certificate and key (kubeconfig `client-certificate[-data]`, `client-key[-data]`). */
  readonly clientCert: string | undefined;
  readonly clientKey: string | undefined;
  readonly auth: ClusterAuth;
}

export interface LoadOptions {
  /** Like `--kubeconfig`: only this file, no merging. */
  readonly kubeconfig?: string;
  /** Like `--context`. */
  readonly context?: string;
  /** Like `--namespace`; overrides the context's. */
  readonly namespace?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
  /** Where the service account is mounted in a pod. */
  readonly serviceAccountDir?: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface Named<T> {
  readonly name: string;
  readonly value: T;
  /** The directory of the file that defined it: relative paths resolve against it. */
  readonly base: string;
}

interface Merged {
  currentContext: string | undefined;
  readonly clusters: Map<string, Named<Record<string, unknown>>>;
  readonly users: Map<string, Named<Record<string, unknown>>>;
  readonly contexts: Map<string, Named<Record<string, unknown>>>;
}

export function loadClusterAccess(options: LoadOptions = {}): ClusterAccess {
  const env = options.env ?? process.env;
  const files = kubeconfigFiles(options, env);
  const merged = mergeFiles(files);
  const contextName = options.context ?? merged.currentContext;
  if (contextName === undefined || contextName === '') {
    const inCluster = inClusterAccess(options, env);
    if (inCluster !== undefined) return inCluster;
    if (files.some((file) => existsSync(file.path))) throw new KubeconfigError('the kubeconfig sets no current-context: pass --context');
    throw new KubeconfigError('no Kubernetes configuration: set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account');
  }
  const context = merged.contexts.get(contextName);
  if (context === undefined) throw new KubeconfigError(`context "${contextName}" not found in the kubeconfig`);
  const clusterName = text(context.value['cluster']);
  const cluster = clusterName === undefined ? undefined : merged.clusters.get(clusterName);
  if (cluster === undefined) throw new KubeconfigError(`context "${contextName}" names cluster "${clusterName ?? ''}", which the kubeconfig does not define`);
  const server = text(cluster.value['server']);
  if (server === undefined) throw new KubeconfigError(`cluster "${cluster.name}" has no server`);
  const userName = text(context.value['user']);
  const user = userName === undefined ? undefined : merged.users.get(userName);
  if (userName !== undefined && user === undefined) throw new KubeconfigError(`context "${contextName}" names user "${userName}", which the kubeconfig does not define`);
  const u = user?.value ?? {};
  return {
    source: 'kubeconfig',
    context: contextName,
    server,
    namespace: options.namespace ?? text(context.value['namespace']) ?? 'default',
    ca: pem(cluster, 'certificate-authority-data', 'certificate-authority'),
    insecureSkipTlsVerify: cluster.value['insecure-skip-tls-verify'] === true,
    tlsServerName: text(cluster.value['tls-server-name']),
    clientCert: user === undefined ? undefined : pem(user, 'client-certificate-data', 'client-certificate'),
    clientKey: user === undefined ? undefined : pem(user, 'client-key-data', 'client-key'),
    auth: user === undefined ? { kind: 'none' } : userAuth(user, u),
  };
}

function kubeconfigFiles(options: LoadOptions, env: Readonly<Record<string, string | undefined>>): Array<{ path: string; explicit: boolean }> {
  if (options.kubeconfig !== undefined) return [{ path: resolve(options.kubeconfig), explicit: true }];
  const list = env['KUBECONFIG'];
  if (list !== undefined && list !== '') {
    return list.split(delimiter).filter((path) => path !== '').map((path) => ({ path: resolve(path), explicit: false }));
  }
  return [{ path: join(options.home ?? env['HOME'] ?? homedir(), '.kube', 'config'), explicit: false }];
}

function mergeFiles(files: ReadonlyArray<{ path: string; explicit: boolean }>): Merged {
  const merged: Merged = { currentContext: undefined, clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    let content: string;
    try {
      content = readFileSync(file.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !file.explicit) continue; // missing files are skipped
      throw new KubeconfigError(`cannot read kubeconfig ${file.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    let document: unknown;
    try {
      document = parse(content);
    } catch (error) {
      throw new KubeconfigError(`cannot parse kubeconfig ${file.path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    if (document === null || document === undefined) continue;
    if (typeof document !== 'object' || Array.isArray(document)) throw new KubeconfigError(`kubeconfig ${file.path} is not a mapping`);
    const config = document as Record<string, unknown>;
    const base = dirname(file.path);
    merged.currentContext ??= text(config['current-context']);
    for (const [key, field, target] of [['clusters', 'cluster', merged.clusters], ['users', 'user', merged.users], ['contexts', 'context', merged.contexts]] as const) {
      const entries = config[key];
      if (entries === undefined || entries === null) continue;
      if (!Array.isArray(entries)) throw new KubeconfigError(`kubeconfig ${file.path}: ${key} is not a list`);
      for (const entry of entries as Array<Record<string, unknown>>) {
        const name = text(entry?.['name']);
        if (name === undefined || target.has(name)) continue; // first definition wins, whole
        const value = entry[field];
        target.set(name, { name, base, value: typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {} });
      }
    }
  }
  return merged;
}

function userAuth(user: Named<Record<string, unknown>>, u: Record<string, unknown>): ClusterAuth {
  const methods: ClusterAuth[] = [];
  const token = text(u['token']);
  const tokenFile = text(u['tokenFile']);
  if (token !== undefined) methods.push({ kind: 'token', token });
  else if (tokenFile !== undefined) methods.push({ kind: 'token-file', path: relativeTo(user.base, tokenFile) });
  const username = text(u['username']);
  if (username !== undefined) methods.push({ kind: 'basic', username, password: text(u['password']) ?? '' });
  const exec = u['exec'];
  if (typeof exec === 'object' && exec !== null) methods.push({ kind: 'exec', exec: execConfig(user.name, exec as Record<string, unknown>) });
  if (u['auth-provider'] !== undefined) {
    const provider = text((u['auth-provider'] as Record<string, unknown>)['name']) ?? 'unknown';
    throw new KubeconfigError(`user "${user.name}" uses the removed auth-provider "${provider}": switch it to an exec credential plugin (e.g. kubelogin, gke-gcloud-auth-plugin)`);
  }
  if (methods.length > 1) throw new KubeconfigError(`user "${user.name}" sets more than one authentication method (${methods.map((m) => m.kind).join(', ')})`);
  return methods[0] ?? { kind: 'none' };
}

function execConfig(user: string, exec: Record<string, unknown>): ExecConfig {
  const command = text(exec['command']);
  if (command === undefined) throw new KubeconfigError(`user "${user}": exec has no command`);
  const apiVersion = text(exec['apiVersion']);
  if (apiVersion === undefined) throw new KubeconfigError(`user "${user}": exec has no apiVersion`);
  const installHint = text(exec['installHint']);
  const interactiveMode = text(exec['interactiveMode']);
  return {
    command,
    args: Array.isArray(exec['args']) ? (exec['args'] as unknown[]).map(String) : [],
    env: Array.isArray(exec['env']) ? (exec['env'] as Array<Record<string, unknown>>).map((entry) => ({ name: String(entry['name']), value: String(entry['value'] ?? '') })) : [],
    apiVersion,
    ...(installHint === undefined ? {} : { installHint }),
    provideClusterInfo: exec['provideClusterInfo'] === true,
    ...(interactiveMode === undefined ? {} : { interactiveMode }),
  };
}

/**
 * In a pod: `KUBERNETES_SERVICE_HOST`/`_PORT` and the mounted service account (token, ca.crt,
 * namespace), as client-go's rest.InClusterConfig reads them.
 */
function inClusterAccess(options: LoadOptions, env: Readonly<Record<string, string | undefined>>): ClusterAccess | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const tokenPath = join(dir, 'token');
  if (host === undefined || host === '' || port === undefined || port === '' || !existsSync(tokenPath)) return undefined;
  const namespaceFile = join(dir, 'namespace');
  const caFile = join(dir, 'ca.crt');
  return {
    source: 'in-cluster',
    context: undefined,
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    namespace: options.namespace ?? (existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : 'default'),
    ca: existsSync(caFile) ? readFileSync(caFile, 'utf8') : undefined,
    insecureSkipTlsVerify: false,
    tlsServerName: undefined,
    clientCert: undefined,
    clientKey: undefined,
    auth: { kind: 'token-file', path: tokenPath },
  };
}

function pem(entry: Named<Record<string, unknown>>, dataKey: string, fileKey: string): string | undefined {
  const data = text(entry.value[dataKey]);
  if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
  const file = text(entry.value[fileKey]);
  if (file === undefined) return undefined;
  const path = relativeTo(entry.base, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new KubeconfigError(`"${entry.name}": cannot read ${fileKey} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function relativeTo(base: string, path: string): string {
  return isAbsolute(path) ? path : join(base, path);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export interface ExecCredential {
  readonly token?: string;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  /** Epoch ms; undefined: valid until a 401. */
  readonly expiresAt?: number;
}

/**
 * Runs an exec credential plugin (kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins):
 * `KUBERNETES_EXEC_INFO` carries an ExecCredential whose spec says the session is not interactive
 * (and, when asked, the cluster); the plugin prints an ExecCredential with `status`.
 */
export function runExecPlugin(exec: ExecConfig, access: Pick<ClusterAccess, 'server' | 'ca' | 'insecureSkipTlsVerify' | 'tlsServerName'>, timeoutMs = 60_000): Promise<ExecCredential> {
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo) {
    spec['cluster'] = {
      server: access.server,
      ...(access.tlsServerName === undefined ? {} : { 'tls-server-name': access.tlsServerName }),
      ...(access.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(access.ca === undefined ? {} : { 'certificate-authority-data': Buffer.from(access.ca).toString('base64') }),
    };
  }
  const info = JSON.stringify({ apiVersion: exec.apiVersion, kind: 'ExecCredential', spec });
  const env = { ...process.env, ...Object.fromEntries(exec.env.map(({ name, value }) => [name, value])), KUBERNETES_EXEC_INFO: info };
  return new Promise((resolvePromise, reject) => {
    execFile(exec.command, [...exec.args], { env, timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error !== null) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        const hint = missing && exec.installHint !== undefined ? ` (${exec.installHint.trim().split('\n')[0]})` : '';
        reject(new KubeconfigError(`exec credential plugin ${exec.command} ${missing ? 'not found' : `failed (${error.killed ? 'timed out' : `exit ${String(error.code)}`})`}${hint}`));
        return;
      }
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        reject(new KubeconfigError(`exec credential plugin ${exec.command} printed no ExecCredential JSON`));
        return;
      }
      const status = (parsed['status'] ?? {}) as Record<string, unknown>;
      if (parsed['kind'] !== 'ExecCredential' || parsed['apiVersion'] !== exec.apiVersion) {
        reject(new KubeconfigError(`exec credential plugin ${exec.command} answered ${String(parsed['apiVersion'])} ${String(parsed['kind'])}, expected ${exec.apiVersion} ExecCredential`));
        return;
      }
      const token = text(status['token']);
      const clientCertificateData = text(status['clientCertificateData']);
      const clientKeyData = text(status['clientKeyData']);
      if (token === undefined && (clientCertificateData === undefined || clientKeyData === undefined)) {
        reject(new KubeconfigError(`exec credential plugin ${exec.command} returned neither a token nor a client certificate and key`));
        return;
      }
      const expiry = text(status['expirationTimestamp']);
      resolvePromise({
        ...(token === undefined ? {} : { token }),
        ...(clientCertificateData === undefined ? {} : { clientCertificateData }),
        ...(clientKeyData === undefined ? {} : { clientKeyData }),
        ...(expiry === undefined ? {} : { expiresAt: Date.parse(expiry) }),
      });
    });
  });
}
