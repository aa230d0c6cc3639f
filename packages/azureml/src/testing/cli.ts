#!/usr/bin/env node
/**
 * `node dist/testing/cli.js [--port N]`: runs the emulator with its scenarios and prints
 * `export VAR=value` lines (stdout) for `eval "$(...)"`; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';

import { startAzuremlEmulator } from './emulator.js';
import { SCENARIO_NAMES } from './scenarios.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`azureml emulator: invalid --port ${values.port}\n`);
  process.exit(2);
}

const emulator = await startAzuremlEmulator({ port, scenarios: true });
for (const [name, value] of Object.entries(emulator.env)) {
  process.stdout.write(`export ${name}=${value}\n`);
}
process.stderr.write(`azureml emulator on ${emulator.url}; jobs: ${SCENARIO_NAMES.join(', ')}\n`);

const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
