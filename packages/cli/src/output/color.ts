import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

export interface ColorStream {
  readonly isTTY?: boolean;
}

/**
 * Colour only for a terminal: never under NO_COLOR or --no-color, never into a pipe or a file
 * (FORCE_COLOR overrides that last rule), never for TERM=dumb.
 */
export function colorEnabled(stream: ColorStream, env: Readonly<Record<string, string | undefined>>, flag: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export function colors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}

/**
 * A node's colour, the same for a node name in every command and whatever other nodes are shown: a
 * hash of the name picks from the palette. Numbered names (`algo-7`, `worker-3`) count on from the
 * hash of their prefix, so neighbours never share a colour.
 */
export function nodePalette(c: Colors): (node: string) => (text: string) => string {
  const palette = [c.cyan, c.magenta, c.yellow, c.green, c.blue, c.red, c.cyanBright, c.magentaBright, c.yellowBright, c.greenBright, c.blueBright, c.redBright];
  return (node) => palette[nodeColorIndex(node, palette.length)]!;
}

export function nodeColorIndex(node: string, size: number): number {
  const m = /^(.*?)(\d+)$/.exec(node);
  const [stem, number] = m && m[2]!.length <= 9 ? [m[1]!, Number(m[2])] : [node, 0];
  return (fnv1a(stem) + number) % size;
}

/** 32-bit FNV-1a over UTF-16 code units: small, stable across runs and platforms. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Width on screen: escapes count for nothing. */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}
