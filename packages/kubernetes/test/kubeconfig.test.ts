import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import { KubeconfigError, loadClusterAccess, runExecPlugin } from '../src/cluster.js';
import { startKubernetesEmulator } from '../src/testing/index.js';

const CONFIG_A = `apiVersion: v1
kind: Config
current-context: train
clusters:
- name: gpu
  cluster:
    server: https://gpu.example:6443
    certificate-authority-data: ${Buffer.from('-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n').toString('base64')}
- name: cpu
  cluster:
    server: https://cpu.example:6443
    certificate-authority: certs/ca.pem
    insecure-skip-tls-verify: false
users:
- name: alice
  user:
    token: alice-token
- name: certs
  user:
    client-certificate: certs/client.pem
    client-key-data: ${Buffer.from('KEY').toString('base64')}
contexts:
- name: train
  context: {cluster: gpu, user: alice, namespace: ml}
- name: batch
  context: {cluster: cpu, user: certs}
`;

const CONFIG_B = `apiVersion: v1
kind: Config
current-context: other
clusters:
- name: gpu
  cluster: {server: https://shadowed.example}
users:
- name: alice
  user: {token: shadowed-token}
- name: bob
  user: {username: bob, password: pw}
contexts:
- name: other
  context: {cluster: gpu, user: bob}
`;

describe('kubeconfig loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runlens-kubeconfig-'));
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'certs', 'ca.pem'), 'CA-FILE');
    writeFileSync(join(dir, 'certs', 'client.pem'), 'CERT-FILE');
    writeFileSync(join(dir, 'a.yaml'), CONFIG_A);
    writeFileSync(join(dir, 'b.yaml'), CONFIG_B);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses current-context with its cluster, user and namespace', () => {
    const access = loadClusterAccess({ env: { KUBECONFIG: join(dir, 'a.yaml') } });
    expect(access).toMatchObject({ source: 'kubeconfig', context: 'train', server: 'https://gpu.example:6443', namespace: 'ml', auth: { kind: 'token', token: 'alice-token' } });
    expect(access.ca).toContain('BEGIN CERTIFICATE');
  });

  it('honours --context and --namespace, resolving file paths against the kubeconfig’s directory', () => {
    const access = loadClusterAccess({ env: { KUBECONFIG: join(dir, 'a.yaml') }, context: 'batch', namespace: 'team-b' });
    expect(access).toMatchObject({ context: 'batch', server: 'https://cpu.example:6443', namespace: 'team-b', ca: 'CA-FILE', clientCert: 'CERT-FILE', clientKey: 'KEY', auth: { kind: 'none' } });
    expect(loadClusterAccess({ env: { KUBECONFIG: join(dir, 'a.yaml') }, context: 'batch' }).namespace).toBe('default');
  });

  it('merges the KUBECONFIG list: the first file to set a value or a map key wins, missing files are skipped', () => {
    const env = { KUBECONFIG: [join(dir, 'missing.yaml'), join(dir, 'a.yaml'), join(dir, 'b.yaml')].join(delimiter) };
    const access = loadClusterAccess({ env });
    expect(access).toMatchObject({ context: 'train', server: 'https://gpu.example:6443', auth: { kind: 'token', token: 'alice-token' } });
    const other = loadClusterAccess({ env, context: 'other' });
    expect(other).toMatchObject({ server: 'https://gpu.example:6443', auth: { kind: 'basic', username: 'bob' } });
  });

  it('reads ~/.kube/config when KUBECONFIG is unset', () => {
    mkdirSync(join(dir, '.kube'));
    writeFileSync(join(dir, '.kube', 'config'), CONFIG_B);
    expect(loadClusterAccess({ env: {}, home: dir }).context).toBe('other');
  });

  it('fails clearly on an unknown context, an unparseable file, an explicit missing file and two auth methods', () => {
    expect(() => loadClusterAccess({ env: { KUBECONFIG: join(dir, 'a.yaml') }, context: 'nope' })).toThrow(new KubeconfigError('context "nope" not found in the kubeconfig'));
    writeFileSync(join(dir, 'bad.yaml'), 'clusters: [unclosed');
    expect(() => loadClusterAccess({ env: { KUBECONFIG: `${join(dir, 'bad.yaml')}${delimiter}${join(dir, 'a.yaml')}` } })).toThrow(/cannot parse kubeconfig .*bad\.yaml/);
    expect(() => loadClusterAccess({ kubeconfig: join(dir, 'missing.yaml'), env: {} })).toThrow(/cannot read kubeconfig .*ENOENT/);
    writeFileSync(join(dir, 'two.yaml'), CONFIG_A.replace('    token: alice-token', '    token: alice-token\n    username: alice'));
    expect(() => loadClusterAccess({ kubeconfig: join(dir, 'two.yaml'), env: {} })).toThrow(/more than one authentication method/);
  });

  it('never puts a token in an error message', () => {
    writeFileSync(join(dir, 'nouser.yaml'), CONFIG_A.replace('user: alice, namespace', 'user: carol, namespace'));
    let message = '';
    try {
      loadClusterAccess({ kubeconfig: join(dir, 'nouser.yaml'), env: {} });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('context "train" names user "carol", which the kubeconfig does not define');
    expect(message).not.toContain('alice-token');
  });

  it('falls back to the pod’s service account when no kubeconfig exists', () => {
    const sa = join(dir, 'sa');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'ca.crt'), 'CLUSTER-CA');
    writeFileSync(join(sa, 'namespace'), 'training\n');
    const access = loadClusterAccess({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, home: join(dir, 'nohome'), serviceAccountDir: sa });
    expect(access).toMatchObject({ source: 'in-cluster', server: 'https://[fd00::1]:443', namespace: 'training', ca: 'CLUSTER-CA', auth: { kind: 'token-file', path: join(sa, 'token') } });
    expect(() => loadClusterAccess({ env: {}, home: join(dir, 'nohome'), serviceAccountDir: sa })).toThrow(/no Kubernetes configuration/);
  });

  it('runs an exec credential plugin with KUBERNETES_EXEC_INFO and reads its ExecCredential', async () => {
    const plugin = join(dir, 'plugin.mjs');
    writeFileSync(plugin, [
      'const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);',
      'process.stdout.write(JSON.stringify({ apiVersion: info.apiVersion, kind: "ExecCredential",',
      '  status: { token: `tok-${info.spec.interactive}-${info.spec.cluster?.server}-${process.env.EXTRA}`, expirationTimestamp: "2030-01-01T00:00:00Z" } }));',
    ].join('\n'));
    chmodSync(plugin, 0o755);
    writeFileSync(join(dir, 'exec.yaml'), `apiVersion: v1
kind: Config
current-context: c
clusters: [{name: k, cluster: {server: 'https://k.example'}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(plugin)}]
      env: [{name: EXTRA, value: x}]
      provideClusterInfo: true
      interactiveMode: Never
contexts: [{name: c, context: {cluster: k, user: u}}]
`);
    const access = loadClusterAccess({ kubeconfig: join(dir, 'exec.yaml'), env: {} });
    expect(access.auth.kind).toBe('exec');
    if (access.auth.kind !== 'exec') return;
    const credential = await runExecPlugin(access.auth.exec, access);
    expect(credential).toEqual({ token: 'tok-false-https://k.example-x', expiresAt: Date.UTC(2030, 0, 1) });
    await expect(runExecPlugin({ ...access.auth.exec, command: join(dir, 'no-such-plugin'), installHint: 'install it with brew' }, access)).rejects.toThrow(/not found \(install it with brew\)/);
  });
});

describe('kubeconfig against the emulator', () => {
  let dir: string | undefined;
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('loads the kubeconfig the emulator prints and reaches it with the token', async () => {
    const kube = await startKubernetesEmulator({ scenarios: true });
    try {
      dir = mkdtempSync(join(tmpdir(), 'runlens-kubeconfig-'));
      writeFileSync(join(dir, 'config'), kube.kubeconfig());
      const access = loadClusterAccess({ env: { KUBECONFIG: join(dir, 'config') } });
      expect(access).toMatchObject({ server: kube.url, namespace: 'ml' });
      if (access.auth.kind !== 'token') throw new Error('expected token auth');
      const response = await fetch(`${access.server}/api/v1/namespaces/${access.namespace}/pods?limit=1`, { headers: { authorization: `Bearer ${access.auth.token}` } });
      expect(response.status).toBe(200);
    } finally {
      await kube.close();
    }
  });
});
