// The terminal report stays within --width: fitted tables, wrapped cells and list items, commands kept whole.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawTable } from '../src/render/draw-table.js';
import { fitColumns, KEEP_WHOLE, visibleWidth, wrapCell, wrapLines } from '../src/render/fit-width.js';
import { shortTime } from '../src/render/markdown.js';
import { containerSetUp, ROOT } from './helpers.js';

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
/** Everything but the spaces wrapping may turn into line breaks. */
const ink = (s: string): string => s.replace(/[ \n]/g, '');

describe('fitColumns', () => {
  it('leaves a table that fits alone', () => {
    expect(fitColumns([10, 20, 30], [5, 5, 5], 64)).toBeUndefined();
  });

  it('keeps short columns and every longest word whole when they fit, sharing the rest', () => {
    // Borders take 5 of 80: 75 for columns wanting 10 + 12 + 60 + 60 = 142.
    const w = fitColumns([10, 12, 60, 60], [10, 9, 20, 32], 80) as number[];
    expect(sum(w)).toBe(75);
    expect(w[0]).toBe(10);
    expect(w[1]).toBeGreaterThanOrEqual(9);
    expect(w[2]).toBeGreaterThanOrEqual(20);
    expect(w[3]).toBeGreaterThanOrEqual(32);
  });

  it('shares the room evenly above the words: a rule name gets as much as a long command beside it', () => {
    // A timeline at 100 columns: time, rule, priority, what happened (whose longest word is a URL).
    // 95 columns of room: the time and priority get what they want, the URL's column keeps its 50,
    // and the rule name the 21 left, more than its longest word (11).
    expect(fitColumns([14, 42, 10, 102], [14, 11, 10, 50], 100)).toEqual([14, 21, 10, 50]);
    // Without a long word, the two wide columns share equally.
    expect(fitColumns([14, 42, 10, 102], [14, 11, 10, 20], 100)).toEqual([14, 35, 10, 36]);
  });

  it('breaks long words before short ones when not every word fits, and still shares the rest evenly', () => {
    // The same timeline at 80 columns: 75 of room, and the words alone want 85. The time (14) stays
    // whole, the URL is broken, and the rule name gets an even share (25) instead of its longest word.
    expect(fitColumns([14, 42, 10, 102], [14, 11, 10, 50], 80)).toEqual([14, 25, 10, 26]);
  });

  it('shares in proportion instead when the judge finds that better, and evenly on a tie', () => {
    // 80 columns of room, floors of 10 each. Evenly: the first column wants no more, the third its 30,
    // the second the 40 left. In proportion to what each still wants (0, 90 and 20 more of the 50
    // above the floors): 40.9 and 9.1, rounded to 41 and 9.
    const natural = [10, 100, 30];
    const word = [10, 10, 10];
    const even = fitColumns(natural, word, 84) as number[];
    expect(even).toEqual([10, 40, 30]);
    // A judge that wants the second column wide: the proportional share wins.
    expect(fitColumns(natural, word, 84, (w) => -(w[1] as number))).toEqual([10, 51, 19]);
    // A judge that cannot tell them apart: the even share.
    expect(fitColumns(natural, word, 84, () => 0)).toEqual(even);
  });

  it('shares the room when even the words do not fit, never below a few columns', () => {
    const w = fitColumns([12, 10, 32, 32, 32], [12, 10, 32, 32, 32], 60) as number[];
    expect(sum(w)).toBeLessThanOrEqual(60 - 6);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(4);
    expect(w[1]).toBe(10);
  });

  it('fits any table whose columns can have four characters each', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 3, max: 200 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 51, max: 200 }), (natural, width) => {
        const word = natural.map((n) => Math.max(3, Math.floor(n / 3)));
        const w = fitColumns(natural, word, width);
        if (w === undefined) return sum(natural) + natural.length + 1 <= width;
        return sum(w) + natural.length + 1 <= width && w.every((x, j) => x <= (natural[j] as number) && x >= Math.min(4, word[j] as number));
      }),
    );
  });
});

describe('shortTime (the terminal tables)', () => {
  const t = '2026-11-27T09:12:10.200493828Z';
  it('keeps what differs within the range: time of day, then month and day, then the date', () => {
    expect(shortTime({ first: '2026-11-27T09:00:00.000000000Z', last: '2026-11-27T23:59:59.999999999Z' })(t)).toBe('09:12:10.200');
    expect(shortTime({ first: '2026-11-26T23:00:00.000000000Z', last: '2026-11-27T10:00:00.000000000Z' })(t)).toBe('11-27 09:12:10');
    expect(shortTime({ first: '2025-12-31T23:00:00.000000000Z', last: t })(t)).toBe('2026-11-27 09:12:10');
    expect(shortTime(undefined)(t)).toBe('2026-11-27 09:12:10');
  });

  it('leaves anything but a full UTC time as it is', () => {
    const short = shortTime({ first: t, last: t });
    expect(short('09:12:10.200493828')).toBe('09:12:10.200493828');
    expect(short('2026-11-27T09:12:10+02:00')).toBe('2026-11-27T09:12:10+02:00');
    // No fraction: no milliseconds are made up.
    expect(short('2026-11-27T09:12:10Z')).toBe('09:12:10');
  });
});

describe('wrapCell and wrapLines', () => {
  it('breaks at spaces, and inside words longer than the column, losing no character', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9:./-]{0,30}$/), { maxLength: 12 }), fc.integer({ min: 1, max: 40 }), (words, width) => {
        const text = words.join(' ');
        const wrapped = wrapCell(text, width);
        return wrapped.split('\n').every((l) => visibleWidth(l) <= width) && ink(wrapped) === ink(text);
      }),
    );
    expect(wrapCell('2026-11-27T09:12:04.800123457Z to 2026-11-27T09:12:20Z', 20)).toBe('2026-11-27T09:12:04.\n800123457Z to\n2026-11-27T09:12:20Z');
  });

  it('breaks a long word after its last separator that leaves the line at least half full', () => {
    expect(wrapCell('command-and-control', 11)).toBe('command-\nand-control');
    expect(wrapCell('curl https://10.96.0.1/api/v1/namespaces/shop/secrets', 32)).toBe('curl\nhttps://10.96.0.1/api/v1/\nnamespaces/shop/secrets');
    // A separator in the first half of the line would leave it mostly empty: the word is cut at the width.
    expect(wrapCell('a-bcdefghijklmno', 6)).toBe('a-bcde\nfghijk\nlmno');
    // Nor is a word cut after a separator it ends with, or one with none at all.
    expect(wrapCell('abcdefgh-', 6)).toBe('abcdef\ngh-');
    expect(wrapCell('a1b2c3d4e5f6', 10)).toBe('a1b2c3d4e5\nf6');
    // Colour sequences are carried with the part after the break.
    const coloured = wrapCell('\x1b[31mregistry.example.com/shop/checkout\x1b[39m', 24);
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe('registry.example.com/\nshop/checkout');
    expect(coloured.split('\n').map(visibleWidth)).toEqual([21, 13]);
  });

  it('counts colour sequences as no width and never splits one', () => {
    const red = '\x1b[31mcredential-access\x1b[39m';
    expect(visibleWidth(red)).toBe(17);
    const wrapped = wrapCell(`${red} ${red}`, 10);
    expect(wrapped.split('\n').map(visibleWidth)).toEqual([10, 7, 10, 7]);
    expect(wrapped).toContain('\x1b[31m');
    expect(wrapped).toContain('\x1b[39m');
    expect(wrapped.replace(/\x1b\[[0-9;]*m/g, '')).toBe('credential\n-access\ncredential\n-access');
  });

  it('continues a long list item under its text, and leaves table lines and marked commands whole', () => {
    const item = `  * ${'word '.repeat(30).trim()}`;
    const command = `    ${KEEP_WHOLE}kubectl get pods -A ${'-o wide '.repeat(20)}`;
    const table = `│ ${'x'.repeat(120)} │`;
    const out = wrapLines([item, command, table].join('\n'), 40).split('\n');
    const itemLines = out.slice(0, -2);
    expect(itemLines[0]?.startsWith('  * word')).toBe(true);
    expect(itemLines.slice(1).every((l) => l.startsWith('    word'))).toBe(true);
    expect(itemLines.every((l) => visibleWidth(l) <= 40)).toBe(true);
    expect(out.at(-2)).toBe(command.replace(KEEP_WHOLE, ''));
    expect(out.at(-1)).toBe(table);
  });
});

describe('drawTable', () => {
  const plain = { border: (x: string) => x, head: (x: string) => x };

  it('draws every line of a fitted table at the same width, within the terminal', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.stringMatching(/^[a-z0-9 ./-]{0,60}$/), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 40, max: 120 }), (rows, width) => {
        const lines = drawTable(['a', 'b', 'c'], rows, width, plain).split('\n');
        const w = visibleWidth(lines[0] as string);
        return w <= width && lines.every((l) => visibleWidth(l) === w);
      }),
    );
  });

  it("closes a cell's colour on each line and opens it again on the next, so borders stay plain", () => {
    const yellow = `\x1b[33m${'word '.repeat(10).trim()}\x1b[39m`;
    const lines = drawTable(['h'], [[yellow]], 20, plain).split('\n');
    const body = lines.slice(3, -1);
    expect(body.length).toBeGreaterThan(2);
    for (const line of body) expect(line).toMatch(/^│ \x1b\[33m[a-z ]+(\x1b\[39m)?\x1b\[0m +│$/);
  });
});

describe('live cards', () => {
  it('wrap to --width under their values; the next step, a command, stays whole on its line', () => {
    const input = readFileSync(join(ROOT, 'examples/mixed.ndjson'), 'utf8');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/falco-report.js'), '--format', 'terminal', '--width', '60'], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const cards = r.stdout.slice(0, r.stdout.indexOf('Falco report:'));
    const lines = cards.split('\n');
    expect(lines.filter((l) => visibleWidth(l) > 60 && !l.startsWith('  next '))).toEqual([]);
    // Unwrapped, a card line was 124 columns: its parts now continue under the value's start.
    const where = lines.findIndex((l) => l.startsWith('  where ip-10-0-3-17'));
    expect(lines[where + 1]).toMatch(/^ {8}\S/);
    const whole = [lines[where], lines[where + 1], lines[where + 2]].map((l) => (l as string).trim()).join(' ');
    expect(whole).toBe('where ip-10-0-3-17 · shop · checkout-7d9f8b6c5-x2kqp · checkout (a1b2c3d4e5f6) · registry.example.com/shop/checkout:2.14.1');
    expect(lines).toContain('  next  kubectl get events -n shop --field-selector involvedObject.name=checkout-7d9f8b6c5-x2kqp --sort-by=.lastTimestamp');
  });
});

describe('the terminal report of the shipped examples', () => {
  const run = (file: string, format: string, width = 100): string => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/falco-report.js'), 'analyze', join(ROOT, 'examples', file), '--format', format, '--width', String(width)], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    return r.stdout;
  };
  const report = (width: number): string => run('mixed.ndjson', 'terminal', width);
  // Lines of code blocks (commands, rule snippets) are printed whole, for copy and paste: the only
  // lines allowed past the width. They are read from the Markdown report's fences.
  const md = run('mixed.ndjson', 'markdown');
  const code = new Set<string>();
  let fenced = false;
  for (const line of md.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (fenced) code.add(line.trim());
  }

  for (const width of [60, 100, 160]) {
    it(`keeps every line but code within --width ${width}`, () => {
      const lines = report(width).split('\n');
      const over = lines.filter((l) => visibleWidth(l) > width && !code.has(l.trim()));
      expect(over).toEqual([]);
      expect(lines.filter((l) => visibleWidth(l) > width).length).toBeGreaterThan(0);
      // A command from the mixed example's alerts is whole on its line.
      expect(lines.some((l) => l.trim() === `${containerSetUp('container-root', 'a1b2c3d4e5f6')} sha256sum "$r"/tmp/kdevtmpfsi`)).toBe(true);
    });
  }

  it('lists where each rule fired, leaving unknown values out', () => {
    // Continuation lines are indented under the item's text (four spaces); items start with '  * '.
    const text = report(100).replace(/\n {4}(?=\S)/g, ' ');
    expect(text).toContain('* Falco internal: syscall event drop: host ip-10-0-3-17\n');
    expect(text).toContain('* Read sensitive file untrusted: host ip-10-0-3-17; namespace shop; pod checkout-7d9f8b6c5-x2kqp; image registry.example.com/shop/checkout:2.14.1; process cat; user root\n');
    expect(text).not.toContain('Top namespaces');
  });

  it('draws the Markdown of list items instead of printing it', () => {
    const text = run('seed-alert.json', 'terminal');
    const hints = text.slice(text.indexOf('Triage hints'), text.indexOf('Investigate')).replace(/\s+/g, ' ');
    expect(hints).toContain("Likely benign: The shell runs the image's own entrypoint script (1 of 1).");
    expect(hints).toContain('show <field> placeholders');
    expect(hints).not.toMatch(/\*\*|`/);
    const refs = text.slice(text.lastIndexOf('References'));
    expect(refs).toMatch(/\(https:\/\/attack\.mitre\.org\/techniques\/T\d+/);
    expect(refs).not.toContain('](');
  });

  it('keeps a fitted table whole: the incident table shows its risk, count, every tactic and the times of inc-1', () => {
    const text = report(60);
    const table = text.slice(text.indexOf('Incidents ('), text.indexOf('inc-1: risk'));
    // Reads the table column by column: a wrapped cell continues on the next lines of its row.
    const rows: string[][] = [];
    let row: string[] = [];
    for (const line of table.split('\n')) {
      if (line.startsWith('├') || line.startsWith('└')) {
        rows.push(row);
        row = [];
      } else if (line.startsWith('│')) {
        line
          .split('│')
          .slice(1, -1)
          .forEach((piece, j) => (row[j] = (row[j] ?? '') + piece.trim()));
      }
    }
    const inc1 = rows.find((r) => r[0]?.startsWith('inc-1,')) as string[];
    expect(inc1).toBeDefined();
    const cells = inc1.map((c) => c.replace(/ /g, ''));
    // Five columns: the risk beside the id, the alert count beside the priority.
    expect(rows[0]?.map((c) => c.replace(/ /g, ''))).toEqual(['Incident', 'Workload', 'Priority', 'Tactics', 'Seen']);
    expect(cells.slice(0, 3)).toEqual(['inc-1,risk94', 'containera1b2c3d4e5f6', 'Critical,5alerts']);
    expect(cells).toContain('execution→credential-access→discovery→command-and-control');
    // One day: the times of day to the millisecond, first to last, in one column.
    expect(cells.at(-1)).toBe('09:12:04.800to09:12:13.800');
  });

  it('draws the incident table in 80 columns without cutting an id, a tactic or a time in two', () => {
    const text = report(80);
    const table = text.slice(text.indexOf('Incidents ('), text.indexOf('inc-1: risk'));
    const words = new Set(table.split(/[│ \n]+/));
    for (const whole of ['a1b2c3d4e5f6', 'b7c8d9e0f1a2', 'credential-access', 'command-and-control', '09:12:04.800', '09:12:13.800', '09:12:08.400']) {
      expect(words, whole).toContain(whole);
    }
  });
});
