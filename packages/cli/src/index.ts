// Programmatic use: `await run(['describe', 'local:./x', '--json'])` resolves to the exit code.
export { run, type CliIO, type GlobalOptions } from './cli.js';
export { EXIT_CODES_HELP } from './cli.js';
