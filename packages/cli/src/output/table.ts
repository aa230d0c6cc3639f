import { colors, visibleWidth, type Colors } from './color.js';

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/**
 * A plain aligned table: a header row and one line per row, columns two spaces apart, no trailing
 * blanks. Cells may carry colour; widths are measured without it.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], c: Colors = colors(false)): string[] {
  const widths = columns.map((col, i) => Math.max(visibleWidth(col.header), ...rows.map((row) => visibleWidth(row[i] ?? ''))));
  const render = (cells: readonly string[], paint?: (text: string) => string) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - visibleWidth(cell)));
        const text = paint ? paint(cell) : cell;
        if (columns[i]?.align === 'right') return pad + text;
        return i === cells.length - 1 ? text : text + pad;
      })
      .join('  ')
      .replace(/\s+$/, '');
  return [render(columns.map((col) => col.header), c.bold), ...rows.map((row) => render(columns.map((_, i) => row[i] ?? '')))];
}

/**
 * `renderTable` that fits `width`: the first column (row labels) stays, the other columns are cut
 * into blocks, each as wide as fits (at least one column), separated by a blank line. No width: one
 * table whatever its width, as a pipe or a file wants it.
 */
export function renderWrapped(columns: readonly Column[], rows: readonly (readonly string[])[], c: Colors = colors(false), width?: number): string[] {
  const whole = renderTable(columns, rows, c);
  if (width === undefined || columns.length <= 2 || Math.max(...whole.map(visibleWidth)) <= width) return whole;
  const widthOf = (i: number) => Math.max(visibleWidth(columns[i]!.header), ...rows.map((row) => visibleWidth(row[i] ?? '')));
  const blocks: number[][] = [];
  let used = widthOf(0);
  for (let i = 1; i < columns.length; i++) {
    const extra = 2 + widthOf(i);
    const block = blocks[blocks.length - 1];
    if (block && used + extra <= width) {
      block.push(i);
      used += extra;
    } else {
      blocks.push([i]);
      used = widthOf(0) + extra;
    }
  }
  return blocks.flatMap((block, b) => [
    ...(b > 0 ? [''] : []),
    ...renderTable(
      [columns[0]!, ...block.map((i) => columns[i]!)],
      rows.map((row) => [row[0] ?? '', ...block.map((i) => row[i] ?? '')]),
      c,
    ),
  ]);
}

/** `label  value` lines with the labels aligned, for describe-style blocks. */
export function renderFields(fields: readonly (readonly [string, string])[], c: Colors = colors(false), indent = ''): string[] {
  const width = Math.max(0, ...fields.map(([label]) => visibleWidth(label)));
  return fields.map(([label, value]) => {
    const [first = '', ...rest] = value.split('\n');
    const lead = `${indent}${c.bold(label)}${' '.repeat(width - visibleWidth(label))}  `;
    const hang = ' '.repeat(indent.length + width + 2);
    return [`${lead}${first}`.replace(/\s+$/, ''), ...rest.map((line) => `${hang}${line}`.replace(/\s+$/, ''))].join('\n');
  });
}
