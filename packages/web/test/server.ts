// The server a user gets from `runlens serve` over the demo: the example archives, the SageMaker and
// Azure ML loopback emulators, and the built web view, on 127.0.0.1.
import { fileURLToPath } from 'node:url';
import { createRunlens, type Runlens } from '@runlens/core';
import { azuremlProvider } from '@runlens/azureml';
import { startAzuremlEmulator, type AzuremlEmulator } from '@runlens/azureml/testing';
import { localProvider } from '@runlens/local';
import { sagemakerProvider } from '@runlens/sagemaker';
import { startSagemakerEmulator, type SagemakerEmulator } from '@runlens/sagemaker/testing';
import { startServer, type RunningServer } from '@runlens/server';
import { webAssetsBuilt, webAssetsDir } from '../src/index.js';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));

export interface Demo {
  readonly url: string;
  readonly runlens: Runlens;
  readonly sagemaker: SagemakerEmulator;
  readonly azureml: AzuremlEmulator;
  api<T>(path: string): Promise<T>;
  /** Log lines the API gives now (NDJSON, not following). */
  lineCount(ref: string, query?: string): Promise<number>;
  close(): Promise<void>;
}

export async function startDemo(extraRoots: string[] = [], token?: string): Promise<Demo> {
  if (!webAssetsBuilt()) throw new Error('the web view is not built: run `corepack pnpm build` first');
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const sagemaker = await startSagemakerEmulator();
  const azureml = await startAzuremlEmulator({ scenarios: true });
  const roots = ['./examples/runs', ...extraRoots];
  const runlens = createRunlens({
    providers: [localProvider, sagemakerProvider, azuremlProvider],
    cwd: REPO,
    env: { ...sagemaker.env, ...azureml.env },
    settings: { local: { roots } },
    // Follow policy is core's (contract v2).
    follow: { pollMs: { min: 100, max: 300 }, statusPollMs: 100, streamDiscoveryMs: 100 },
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
  let server: RunningServer;
  try {
    server = await startServer({ runlens, cwd: REPO, archiveRoots: roots, followPollMs: { min: 100, max: 300 }, webDir: webAssetsDir(), token });
  } catch (error) {
    await Promise.all([runlens.close(), sagemaker.close(), azureml.close()]);
    throw error;
  }
  const auth: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, { headers: auth });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    url: server.url,
    runlens,
    sagemaker,
    azureml,
    api,
    async lineCount(ref, query = '') {
      const text = await (await fetch(`${server.url}/api/runs/${encodeURIComponent(ref)}/logs${query}`, { headers: auth })).text();
      return text.split('\n').filter((l) => l !== '').length;
    },
    async close() {
      await server.close();
      await runlens.close();
      await Promise.all([sagemaker.close(), azureml.close()]);
    },
  };
}
