// Every provider the CLI knows: the installed adapter packages (see scripts/providers.mjs, which
// writes providers.generated.ts). Definitions are cheap: each adapter's SDK loads only when one of
// its refs is used.
export { providers } from './providers.generated.js';
