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

/** Assigns each node a stable colour in the order nodes are first seen. */
export function nodePalette(c: Colors): (node: string) => (text: string) => string {
  const palette = [c.cyan, c.magenta, c.yellow, c.green, c.blue, c.red, c.cyanBright, c.magentaBright, c.yellowBright, c.greenBright, c.blueBright, c.redBright];
  const assigned = new Map<string, (text: string) => string>();
  return (node) => {
    let paint = assigned.get(node);
    if (!paint) {
      paint = palette[assigned.size % palette.length]!;
      assigned.set(node, paint);
    }
    return paint;
  };
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
