// The cluster's TLS settings reach undici's Agent: a real HTTPS server with a private CA, a
// certificate for `kube.internal` (not 127.0.0.1) and client-certificate authentication.
// Certificates are made with openssl at test time (nothing secret is checked in).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRequestContext, RequestBudget, RunlensError } from '@runlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KubeClient } from '../src/client.js';
import { Credentials } from '../src/credentials.js';
import { mapError } from '../src/errors.js';

import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

import type { ClusterAccess } from '../src/kubeconfig.js';

const requester = () => createRequestContext({ provider: 'k8s', budget: new RequestBudget(), retry: { budgetMs: 0, baseDelayMs: 1, maxDelayMs: 1 }, debug: () => undefined }).requester({ mapError });

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

describe('KubeClient TLS', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let pem: Record<'ca' | 'clientCert' | 'clientKey' | 'otherCa', string>;
  const seen: Array<{ servername: string | false; client: string | undefined }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'runlens-k8s-tls-'));
    const subj = (cn: string) => ['-subj', `/CN=${cn}`];
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', ...subj('test-ca'));
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '1', ...subj('other-ca'));
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:kube.internal\n');
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', ...subj('kube.internal'));
    openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext');
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', ...subj('runlens-reader'));
    openssl(dir, 'x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '1');
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    pem = { ca: read('ca.crt'), clientCert: read('client.crt'), clientKey: read('client.key'), otherCa: read('other.crt') };
    server = createServer({ key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      seen.push({ servername: (socket as unknown as { servername: string | false }).servername, client: socket.authorized ? peer.subject?.CN : undefined });
      if (!socket.authorized) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', message: 'Unauthorized', code: 401 }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'PodList', items: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const access = (over: Partial<ClusterAccess>): ClusterAccess => ({
    source: 'kubeconfig', context: 't', server: url, namespace: 'ml', ca: pem.ca, insecureSkipTlsVerify: false, tlsServerName: 'kube.internal',
    clientCert: pem.clientCert, clientKey: pem.clientKey, auth: { kind: 'none' }, ...over,
  });

  async function attempt(over: Partial<ClusterAccess>): Promise<RunlensError | 'ok'> {
    const client = new KubeClient({ access: access(over), requester: requester() });
    try {
      await client.get({ operation: 'ListPods', path: '/api/v1/namespaces/ml/pods' });
      return 'ok';
    } catch (error) {
      if (RunlensError.isInstance(error)) return error;
      throw error;
    } finally {
      await client.close();
    }
  }

  it('verifies the server against the cluster CA under tls-server-name, and presents the client certificate', async () => {
    expect(await attempt({})).toBe('ok');
    expect(seen.at(-1)).toEqual({ servername: 'kube.internal', client: 'runlens-reader' });
  });

  it('refuses a server whose certificate does not name the host, or is signed by another CA, as an AuthError', async () => {
    const wrongName = await attempt({ tlsServerName: undefined });
    expect(wrongName).not.toBe('ok');
    expect((wrongName as RunlensError).code).toBe('AuthError');
    expect((wrongName as RunlensError).message).toContain('TLS certificate');
    const wrongCa = await attempt({ ca: pem.otherCa });
    expect((wrongCa as RunlensError).code).toBe('AuthError');
  });

  it('insecure-skip-tls-verify accepts it anyway; without a client certificate the server says 401', async () => {
    expect(await attempt({ ca: pem.otherCa, tlsServerName: undefined, insecureSkipTlsVerify: true })).toBe('ok');
    const anonymous = await attempt({ clientCert: undefined, clientKey: undefined });
    expect((anonymous as RunlensError).code).toBe('AuthError');
  });

  it('uses a client certificate an exec plugin hands out', async () => {
    const credentials = new Credentials(access({ clientCert: undefined, clientKey: undefined, auth: { kind: 'exec', exec: { command: 'x', args: [], env: [], apiVersion: 'client.authentication.k8s.io/v1', provideClusterInfo: false } } }), Date.now, async () => ({ clientCertificateData: pem.clientCert, clientKeyData: pem.clientKey }));
    const client = new KubeClient({ access: access({ clientCert: undefined, clientKey: undefined }), requester: requester(), credentials });
    await client.get({ operation: 'ListPods', path: '/api/v1/namespaces/ml/pods' });
    expect(seen.at(-1)?.client).toBe('runlens-reader');
    await client.close();
  });
});

describe('exec credentials', () => {
  it('are cached until shortly before they expire, then asked for again', async () => {
    let now = 1_000_000;
    let calls = 0;
    const credentials = new Credentials(
      { source: 'kubeconfig', context: 't', server: 'https://x', namespace: 'ml', ca: undefined, insecureSkipTlsVerify: false, tlsServerName: undefined, clientCert: undefined, clientKey: undefined, auth: { kind: 'exec', exec: { command: 'x', args: [], env: [], apiVersion: 'client.authentication.k8s.io/v1', provideClusterInfo: false } } },
      () => now,
      async () => {
        calls += 1;
        return { token: `t${calls}`, expiresAt: now + 600_000 };
      },
    );
    expect((await credentials.current()).authorization).toBe('Bearer t1');
    now += 500_000;
    expect((await credentials.current()).authorization).toBe('Bearer t1');
    now += 80_000; // within 30 s of expiry
    expect((await credentials.current()).authorization).toBe('Bearer t2');
    credentials.invalidate(); // a 401
    expect((await credentials.current()).authorization).toBe('Bearer t3');
  });
});
