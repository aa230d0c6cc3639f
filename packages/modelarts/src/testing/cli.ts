#!/usr/bin/env node
/** `node dist/testing/cli.js [--port N]`: the emulator with scenarios, until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { startModelartsEmulator } from './emulator.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`invalid --port ${values.port}\n`);
  process.exit(2);
}

const emulator = await startModelartsEmulator({ port, scenarios: true });
// The credentials are the emulator's own fakes, so printing them is the point.
for (const [name, value] of Object.entries(emulator.env)) process.stdout.write(`export ${name}=${value}\n`);
process.stderr.write(`ModelArts emulator listening on ${emulator.endpoint} (Ctrl-C to stop)\n`);

const stop = () => {
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
