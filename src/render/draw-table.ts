// Draws a table with box characters, fitted into the terminal's width. Cells may hold chalk's colour
// sequences; each drawn line closes what it opened and the next line of the cell opens it again, so
// that borders and padding are never coloured by a cell. Linear in the size of the cells (cli-table3,
// which marked-terminal uses, took minutes on a cell wrapped into thousands of lines).
import { fitColumns, visibleWidth, wrapCell } from './fit-width.js';

/** How borders and header cells are coloured: identity functions without colour. */
export interface TableStyle {
  readonly border: (s: string) => string;
  readonly head: (s: string) => string;
}

const SGR_ALL = /\x1b\[([0-9;]*)m/g;

/** The attribute an SGR parameter sets or clears, by the parameter that clears it. */
function slotOf(code: number): number | undefined {
  if ((code >= 30 && code <= 38) || (code >= 90 && code <= 97) || code === 39) return 39;
  if ((code >= 40 && code <= 48) || (code >= 100 && code <= 107) || code === 49) return 49;
  if (code === 1 || code === 2 || code === 22) return 22;
  if (code === 3 || code === 23) return 23;
  if (code === 4 || code === 24) return 24;
  if (code === 7 || code === 27) return 27;
  if (code === 8 || code === 28) return 28;
  if (code === 9 || code === 29) return 29;
  return undefined;
}

/** Updates the attributes open at the end of `line`, by clearing slot, from the sequences in it. */
function track(open: Map<number, string>, line: string): void {
  for (const m of line.matchAll(SGR_ALL)) {
    const params = (m[1] as string) === '' ? [0] : (m[1] as string).split(';').map(Number);
    const first = params[0] as number;
    if (first === 0) {
      open.clear();
      continue;
    }
    const slot = slotOf(first);
    if (slot === undefined) continue;
    if (first === slot) open.delete(slot);
    else open.set(slot, m[0]);
  }
}

/** The lines of one cell, each opening the attributes left open before it and closing its own. */
function cellLines(text: string): string[] {
  const lines = text.split('\n');
  if (!text.includes('\x1b')) return lines;
  const open = new Map<number, string>();
  return lines.map((line) => {
    const before = [...open.values()].join('');
    track(open, line);
    return `${before}${line}${before !== '' || line.includes('\x1b') ? '\x1b[0m' : ''}`;
  });
}

/** Columns, per cell: the widest line and the longest word, both with the padding. */
function measure(rows: readonly (readonly string[])[], columns: number): { natural: number[]; word: number[] } {
  const natural = new Array<number>(columns).fill(2);
  const word = new Array<number>(columns).fill(2);
  for (const row of rows) {
    for (let j = 0; j < columns; j++) {
      for (const line of (row[j] ?? '').split('\n')) {
        natural[j] = Math.max(natural[j] as number, visibleWidth(line) + 2);
        for (const w of line.split(' ')) word[j] = Math.max(word[j] as number, visibleWidth(w) + 2);
      }
    }
  }
  return { natural, word };
}

/** How many rows the column widths are judged on: the cost stays small for a table of thousands. */
const SAMPLE_ROWS = 50;

/**
 * How bad these column widths are for `rows`: the lines they take (each row as tall as its tallest
 * cell), and two more for each word they break (an id or a name cut in two reads worse than a line more).
 */
function layoutCost(rows: readonly (readonly string[])[], widths: readonly number[]): number {
  let cost = 0;
  for (const row of rows) {
    let tallest = 1;
    widths.forEach((w, j) => {
      const text = row[j] ?? '';
      tallest = Math.max(tallest, wrapCell(text, w - 2).split('\n').length);
      for (const word of text.split(/[ \n]/)) if (visibleWidth(word) > w - 2) cost += 2;
    });
    cost += tallest;
  }
  return cost;
}

/**
 * Draws `head` and `rows` as a boxed table no wider than `width` when that leaves each column a few
 * characters: wide columns are narrowed and their cells wrapped (long words broken, nothing cut off).
 */
export function drawTable(head: readonly string[], rows: readonly (readonly string[])[], width: number, style: TableStyle): string {
  const columns = head.length;
  const { natural, word } = measure([head, ...rows], columns);
  const widths = fitColumns(natural, word, width, (w) => layoutCost([head, ...rows.slice(0, SAMPLE_ROWS)], w)) ?? natural;
  const rule = (left: string, mid: string, right: string): string => style.border(left + widths.map((w) => '─'.repeat(w)).join(mid) + right);
  const bar = style.border('│');
  const drawRow = (cells: readonly string[], paint: (s: string) => string): string[] => {
    const wrapped = widths.map((w, j) => cellLines(wrapCell(cells[j] ?? '', w - 2)));
    const height = Math.max(1, ...wrapped.map((c) => c.length));
    const out: string[] = [];
    for (let i = 0; i < height; i++) {
      const parts = wrapped.map((c, j) => {
        const text = c[i] ?? '';
        return ` ${paint(text)}${' '.repeat(Math.max(0, (widths[j] as number) - 2 - visibleWidth(text)))} `;
      });
      out.push(bar + parts.join(bar) + bar);
    }
    return out;
  };
  const lines = [rule('┌', '┬', '┐'), ...drawRow(head, style.head)];
  for (const row of rows) lines.push(rule('├', '┼', '┤'), ...drawRow(row, (s) => s));
  lines.push(rule('└', '┴', '┘'));
  return lines.join('\n');
}
