#!/usr/bin/env node
/**
 * `node dist/testing/cli.js [--port N] [--prometheus-port N]`: runs the Kubernetes API emulator with
 * its scenarios (and a Prometheus emulator with their metrics), writes a kubeconfig to a temporary
 * file and prints `export KUBECONFIG=… RUNLENS_PROMETHEUS_URL=…` (stdout) for `eval "$(...)"`;
 * stops on SIGINT/SIGTERM and removes the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { startKubernetesEmulator } from './emulator.js';
import { scenarioSeries, startPrometheusEmulator } from './prometheus.js';
import { SCENARIO_JOBS } from './scenarios.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, 'prometheus-port': { type: 'string', default: '0' } } });
const ports = [values.port, values['prometheus-port']].map(Number);
if (ports.some((port) => !Number.isInteger(port) || port < 0 || port > 65535)) {
  process.stderr.write(`kubernetes emulator: invalid port ${values.port} / ${values['prometheus-port']}\n`);
  process.exit(2);
}

const kube = await startKubernetesEmulator({ port: ports[0], scenarios: true });
const prometheus = await startPrometheusEmulator({ port: ports[1], series: scenarioSeries(kube) });
const dir = mkdtempSync(join(tmpdir(), 'runlens-k8s-emulator-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, kube.kubeconfig(), { mode: 0o600 });
process.stdout.write(`export KUBECONFIG=${kubeconfig}\nexport RUNLENS_PROMETHEUS_URL=${prometheus.url}\n`);
process.stderr.write(`kubernetes emulator on ${kube.url} (namespace ${kube.namespace}), prometheus on ${prometheus.url}; jobs: ${Object.values(SCENARIO_JOBS).join(', ')}\n`);

const stop = (): void => {
  void Promise.all([kube.close(), prometheus.close()]).then(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
