// Keeping the terminal report within --width: table column widths, cell text wrapped to them, and
// long lines that marked-terminal leaves (list items) wrapped. Text here is already terminal-safe (the
// Markdown sink escaped alert values); it may hold chalk's colour sequences (SGR), which take no room
// and are never split.

/** Columns narrower than this are not squeezed further (two characters and the padding). */
const MIN_COLUMN = 4;
/** When not every word fits, words up to this wide (with the padding) are the ones kept whole. */
const SHORT_WORD = 16;

/** One SGR sequence, as chalk writes them. */
const SGR = /\x1b\[[0-9;]*m/y;

/** Where the unit of text at `i` ends: a whole colour sequence, or one character (with its surrogate pair). */
function unitEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === 0x1b) {
    SGR.lastIndex = i;
    if (SGR.test(text)) return SGR.lastIndex;
  }
  return i + ((text.codePointAt(i) as number) > 0xffff ? 2 : 1);
}

/** True when the unit from `i` to `end` is a colour sequence (it takes no column). */
function isColour(text: string, i: number, end: number): boolean {
  return end - i > 2 && text.charCodeAt(i) === 0x1b;
}

/** The number of terminal columns `text` takes: characters outside colour sequences. */
export function visibleWidth(text: string): number {
  let n = 0;
  for (let i = 0, end = 0; i < text.length; i = end) {
    end = unitEnd(text, i);
    if (!isColour(text, i, end)) n++;
  }
  return n;
}

/**
 * Shares `room` out among columns that want at most `caps` each: the narrow ones get what they want,
 * the wide ones an equal share of the rest (the last gets what rounding left over).
 */
function share(room: number, caps: readonly number[]): number[] {
  const widths = caps.map(() => 0);
  const order = caps.map((_, i) => i).sort((a, b) => (caps[a] as number) - (caps[b] as number));
  let left = order.length;
  for (const i of order) {
    const w = left === 1 ? Math.min(caps[i] as number, room) : Math.min(caps[i] as number, Math.floor(room / left));
    widths[i] = Math.max(0, w);
    room -= widths[i] as number;
    left--;
  }
  return widths;
}

/**
 * Shares `room` out as evenly as it can among columns that want at most `caps` each, none below its
 * `floors` (their sum fits in `room`): narrow columns get all they want, a column whose floor is above
 * the even share gets its floor, and the others share the rest equally.
 */
function shareAbove(room: number, floors: readonly number[], caps: readonly number[]): number[] {
  const fixed = caps.map(() => false);
  for (;;) {
    const free = caps.map((_, j) => j).filter((j) => !fixed[j]);
    const left = room - floors.reduce((n, f, j) => (fixed[j] ? n + f : n), 0);
    const even = share(left, free.map((j) => caps[j] as number));
    const below = free.filter((j, k) => (even[k] as number) < (floors[j] as number));
    if (below.length === 0) return caps.map((_, j) => (fixed[j] ? (floors[j] as number) : (even[free.indexOf(j)] as number)));
    for (const j of below) fixed[j] = true;
  }
}

/**
 * Shares out what `room` leaves above the `floors` (their sum fits in it) in proportion to what each
 * column still wants up to its `caps`: a column with much more text gets more than an even share.
 */
function shareInProportion(room: number, floors: readonly number[], caps: readonly number[]): number[] {
  const widths = [...floors];
  const want = caps.map((c, j) => Math.max(0, c - (floors[j] as number)));
  const total = want.reduce((a, b) => a + b, 0);
  let left = room - floors.reduce((a, b) => a + b, 0);
  if (total === 0 || left <= 0) return widths;
  const exact = want.map((w) => Math.min(w, (left * w) / total));
  for (let j = 0; j < widths.length; j++) {
    const whole = Math.floor(exact[j] as number);
    widths[j] = (widths[j] as number) + whole;
    left -= whole;
  }
  // What rounding left over goes to the largest remainders, while a column still wants more.
  const order = exact.map((_, j) => j).sort((a, b) => ((exact[b] as number) % 1) - ((exact[a] as number) % 1));
  for (const j of order) {
    if (left <= 0) break;
    if ((widths[j] as number) < (caps[j] as number)) {
      widths[j] = (widths[j] as number) + 1;
      left--;
    }
  }
  return widths;
}

/**
 * The even share or the proportional one above the floors, whichever `cost` finds better (fewer lines,
 * fewer broken words); the even share when they tie or nothing judges.
 */
function shareBest(room: number, floors: readonly number[], caps: readonly number[], cost?: (widths: readonly number[]) => number): number[] {
  const even = shareAbove(room, floors, caps);
  if (cost === undefined) return even;
  const proportional = shareInProportion(room, floors, caps);
  return cost(proportional) < cost(even) ? proportional : even;
}

/**
 * Widths for the columns of a table, so that it fits in `width` with its `natural.length + 1` borders;
 * undefined when it fits as it is. `natural` is each column's widest cell and `word` its longest word,
 * both with the padding (a column's width includes it). Columns keep their longest word whole and
 * share the room above that, evenly (a narrow column of several words, a rule name, gets as much as a
 * wide one rather than only its longest word) or, when `cost` finds that better (fewer lines and
 * broken words), in proportion to what each column still wants. When even the words do not fit,
 * words of up to 14 characters are kept whole where they can be and longer ones broken. No column
 * gets less than a few characters.
 */
export function fitColumns(natural: readonly number[], word: readonly number[], width: number, cost?: (widths: readonly number[]) => number): number[] | undefined {
  const room = width - (natural.length + 1);
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  if (sum(natural) <= room) return undefined;
  const least = natural.map((n, j) => Math.min(n, word[j] as number));
  if (sum(least) <= room) return shareBest(room, least, natural, cost);
  // Not every word fits. Short words (times, ids, names) stay whole as far as they can, longer ones
  // (paths, URLs, image references) are broken, and the room above that is shared as above.
  for (let cap = Math.min(SHORT_WORD, Math.max(...least)); cap >= MIN_COLUMN; cap--) {
    const floors = least.map((l) => Math.min(l, cap));
    if (sum(floors) <= room) return shareBest(room, floors, natural, cost);
  }
  return share(room, least).map((w, j) => Math.max(w, Math.min(MIN_COLUMN, least[j] as number)));
}

/** Characters after which a long word reads well when broken: `command-and-` `control`, `/api/v1/` `pods`. */
function breaksAfter(c: number): boolean {
  // '-', '/', ':', '.', '_', ',', '=', '&', '?', '|'
  return c === 45 || c === 47 || c === 58 || c === 46 || c === 95 || c === 44 || c === 61 || c === 38 || c === 63 || c === 124;
}

/**
 * Breaks one line of text (no newlines) into lines of at most `width` columns: at spaces where it can,
 * and inside a word longer than that (an id, a path, a time) so that nothing is cut off: after the last
 * hyphen, slash or other separator that leaves at least half the line filled, else at the width.
 */
function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  let used = 0;
  for (const word of text.split(' ')) {
    const w = visibleWidth(word);
    if (used > 0 && used + 1 + w <= width) {
      line += ` ${word}`;
      used += 1 + w;
      continue;
    }
    if (used > 0) out.push(line);
    line = '';
    used = 0;
    // Where the line may be broken inside the word: the offset in `line` after a separator, and the
    // columns used up to there.
    let cut = -1;
    let usedAtCut = 0;
    for (let i = 0, end = 0; i < word.length; i = end) {
      end = unitEnd(word, i);
      if (!isColour(word, i, end)) {
        if (used === width) {
          if (cut > 0 && usedAtCut * 2 >= width) {
            out.push(line.slice(0, cut));
            line = line.slice(cut);
            used -= usedAtCut;
          } else {
            out.push(line);
            line = '';
            used = 0;
          }
          cut = -1;
        }
        used++;
      }
      line += word.slice(i, end);
      // A separator that ends the word breaks nothing; one the width falls on is kept on this line.
      if (end < word.length && breaksAfter(word.charCodeAt(i)) && !isColour(word, i, end)) {
        cut = line.length;
        usedAtCut = used;
      }
    }
  }
  out.push(line);
  return out;
}

/**
 * `label` then `value` wrapped to `width` columns, its later lines indented under the value's start
 * (`  where host · namespace · pod` continues under `host`). The value keeps at least 20 columns.
 */
export function hangingWrap(label: string, value: string, width: number): string {
  const indent = visibleWidth(label);
  return wrapWords(value, Math.max(width - indent, 20))
    .map((part, i) => (i === 0 ? label : ' '.repeat(indent)) + part)
    .join('\n');
}

/** Wraps a table cell's text to `width` columns, line by line. */
export function wrapCell(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => wrapWords(line, width))
    .join('\n');
}

/**
 * Marks a line that must stay whole (a command in a code block: wrapping it would break copy and paste).
 * A C0 control: the terminal sink never lets one through from an alert, and marked-terminal strips them.
 */
export const KEEP_WHOLE = '\x01';

/** A line's indentation, and the bullet or number of a list item after it. */
const LEAD = /^( *)((?:[*-]|\d+\.) )?/;
/** Lines that are drawn by the table renderer, already fitted. */
const TABLE_LINE = /^ *[┌│├└]/;

/**
 * Wraps every line wider than `width`, continuing under its text (past its indentation and list
 * marker), except table lines and lines marked KEEP_WHOLE (whose mark is removed).
 */
export function wrapLines(text: string, width: number): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.includes(KEEP_WHOLE)) {
      out.push(line.replaceAll(KEEP_WHOLE, ''));
      continue;
    }
    if (TABLE_LINE.test(line) || visibleWidth(line) <= width) {
      out.push(line);
      continue;
    }
    const lead = LEAD.exec(line) as RegExpExecArray;
    const indent = ' '.repeat(lead[0].length);
    const room = Math.max(width - indent.length, 10);
    wrapWords(line.slice(lead[0].length), room).forEach((part, i) => out.push((i === 0 ? lead[0] : indent) + part));
  }
  return out.join('\n');
}
