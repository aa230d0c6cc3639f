#!/usr/bin/env node
/**
 * `node dist/testing/cli.js [--port N] [--token T] [--no-multipart] [--prefix P]`: runs the MLflow
 * emulator and prints `export VAR=value` lines (stdout) for `eval "$(...)"`; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startMlflowEmulator } from './emulator.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    token: { type: 'string' },
    'no-multipart': { type: 'boolean', default: false },
    prefix: { type: 'string', default: '' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`mlflow emulator: invalid --port ${values.port}\n`);
  process.exit(2);
}

const emulator = await startMlflowEmulator({
  port,
  multipart: !values['no-multipart'],
  pathPrefix: values.prefix ?? '',
  ...(values.token ? { auth: { token: values.token } } : {}),
});
for (const [name, value] of Object.entries(emulator.env)) process.stdout.write(`export ${name}=${value}\n`);
process.stderr.write(`mlflow emulator on ${emulator.url}${values['no-multipart'] ? ' (multipart: not implemented)' : ''}\n`);

const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
