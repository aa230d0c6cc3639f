// `node dist/testing/cli.js [--port N] [--print-env] [--json] ...`: run the emulator until SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { startSagemakerEmulator } from './emulator.js';
import { SCENARIO_NAMES } from './scenarios.js';

const USAGE = `usage: node dist/testing/cli.js [options]
  --port N             listen on 127.0.0.1:N (default: a free port)
  --print-env          print "export AWS_ENDPOINT_URL=..." lines on stdout
  --json               print {"endpoint","env","scenarios"} as one JSON line on stdout
  --no-scenarios       start empty
  --large              also seed rl-large-16node (16 nodes x 100 000 generated lines)
  --large-lines N      lines per node for --large
  --advance-ms N       advance the running scenario job every N ms
  --log-page-limit N   cap events per GetLogEvents/FilterLogEvents page
Without --print-env or --json, stdout gets the endpoint URL alone.`;

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} needs a non-negative integer, got ${value}`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'print-env': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'no-scenarios': { type: 'boolean', default: false },
      large: { type: 'boolean', default: false },
      'large-lines': { type: 'string' },
      'advance-ms': { type: 'string' },
      'log-page-limit': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const advanceEveryMs = positiveInteger('advance-ms', values['advance-ms']);
  const logPageLimit = positiveInteger('log-page-limit', values['log-page-limit']);
  const largeLines = positiveInteger('large-lines', values['large-lines']);
  const emulator = await startSagemakerEmulator({
    port: positiveInteger('port', values.port) ?? 0,
    scenarios: !values['no-scenarios'],
    ...(advanceEveryMs === undefined ? {} : { advanceEveryMs }),
    ...(logPageLimit === undefined ? {} : { logPageLimit }),
  });
  const scenarios: string[] = values['no-scenarios'] ? [] : [...SCENARIO_NAMES];
  if (values.large) {
    emulator.seedLargeJob('rl-large-16node', largeLines === undefined ? {} : { linesPerNode: largeLines });
    scenarios.push('rl-large-16node');
  }

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ endpoint: emulator.endpoint, env: emulator.env, scenarios })}\n`);
  } else if (values['print-env']) {
    for (const [name, value] of Object.entries(emulator.env)) process.stdout.write(`export ${name}='${value}'\n`);
  } else {
    process.stdout.write(`${emulator.endpoint}\n`);
  }
  process.stderr.write(`runlens SageMaker emulator on ${emulator.endpoint} with ${scenarios.length} scenario jobs; S3 clients need forcePathStyle. Ctrl-C to stop.\n`);

  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(2);
});
