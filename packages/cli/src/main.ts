#!/usr/bin/env node
// The `runlens` bin. Kept tiny: `--version` answers before anything else loads, and the command
// modules (with @runlens/core and the adapters behind them) are imported only once a command is known.
import { version } from './version.js';

// The AWS SDK prints a multi-line Node 20 deprecation warning unless told not to; set it before any
// adapter can load the SDK.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const argv = process.argv.slice(2);

/** `runlens --version`, `runlens -V` (possibly beside other global flags), but not `runlens logs … -V`. */
function asksForVersion(args: readonly string[]): boolean {
  return args.length > 0 && args.every((a) => a.startsWith('-')) && args.some((a) => a === '--version' || a === '-V');
}

if (asksForVersion(argv)) {
  process.stdout.write(`${version()}\n`);
} else {
  const { main } = await import('./cli.js');
  const code = await main(argv);
  process.exit(code);
}
