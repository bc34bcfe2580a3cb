// The oracles themselves: each property check flags what it must and passes what is safe.
import { describe, expect, it } from 'vitest';
import { forgedLineViolations, gfmCellCount, markdownViolations, roundTripViolations, terminalViolations } from './properties.js';

const md = (text: string, groups?: number): string[] =>
  markdownViolations(text, { allowHref: (h) => h.startsWith('https://attack.mitre.org/'), kbTags: new Set(['node']), title: false, ...(groups !== undefined ? { groups } : {}) });

describe('terminal oracle', () => {
  it('flags OSC, stray ESC, controls, C1, bidi and zero-width; passes SGR with colour, tab and newline', () => {
    expect(terminalViolations('a\x1b[31mred\x1b[0m\tb\nc', true)).toEqual([]);
    expect(terminalViolations('a\x1b[31mred', false)).toHaveLength(1);
    expect(terminalViolations('\x1b]0;title\x07', true).join()).toMatch(/OSC/);
    // With colour, ESC [ digits m (SGR) is the only escape allowed: clearing the screen or moving the cursor is not.
    expect(terminalViolations('\x1b[2J', true)).toHaveLength(1);
    expect(terminalViolations('\x1b[1A', true)).toHaveLength(1);
    for (const ch of ['\x00', '\x07', '\r', '\x7f', '\u0085', '\u009b', '\u202e', '\u2067', '\u200b', '\ufeff']) {
      expect(terminalViolations(`x${ch}y`, false), JSON.stringify(ch)).not.toEqual([]);
    }
  });

  it('flags a line that a value started, not one that is escaped or inside a table cell', () => {
    expect(forgedLineViolations('ok\nFORGED_LINE')).toHaveLength(1);
    expect(forgedLineViolations('ok\r# Falco report: FORGED')).toHaveLength(1);
    expect(forgedLineViolations('│ - FORGED_ITEM │')).toHaveLength(1);
    expect(forgedLineViolations('ok\\nFORGED_LINE and | a | FORGED |')).toEqual([]);
  });
});

describe('Markdown oracle', () => {
  it('flags links, images and HTML from values; passes allowed links and KB placeholders', () => {
    expect(md('see [T1059](https://attack.mitre.org/techniques/T1059/) and <node>')).toEqual([]);
    expect(md('[x](https://evil.example)').join()).toMatch(/link/);
    expect(md('see https://evil.example').join()).toMatch(/link/);
    expect(md('![i](https://evil.example/i.png)').join()).toMatch(/image/);
    expect(md('a <img src=x> b').join()).toMatch(/HTML/);
    expect(md('<details>\n<summary>1. Notice: x</summary>\n\nbody\n\n</details>')).toEqual([]);
    expect(md('<details>\n<summary>1. Notice: \\<img src=x\\></summary>\n\nbody\n\n</details>').join()).toMatch(/<img>/);
  });

  it('flags headings that are not the report own, and rule headings that do not match the groups', () => {
    expect(md('## Rules\n\n#### Why it matters')).toEqual([]);
    expect(md('## Evil heading!')).not.toEqual([]);
    expect(md('Where: x.\n===')).not.toEqual([]);
    expect(md('### 1. Notice: r (1 alert)', 2).join()).toMatch(/rule headings/);
  });

  it('flags table rows whose cells a value split, escaped pipes excepted', () => {
    expect(gfmCellCount('| a | b |')).toBe(2);
    expect(gfmCellCount('| `a | b` | c |')).toBe(3);
    expect(gfmCellCount('| `a \\| b` | c |')).toBe(2);
    expect(gfmCellCount('| a \\| b |')).toBe(1);
    expect(gfmCellCount('| a \\\\| b |')).toBe(2);
    expect(md('| h | v |\n|---|---|\n| x | `a | b` |').join()).toMatch(/3 cells, header 2/);
    expect(md('| h | v |\n|---|---|\n| x | `a \\| b` |')).toEqual([]);
  });

  it('flags math, emphasis and code blocks made by a value', () => {
    expect(md('a $x^2$ b').join()).toMatch(/math/);
    expect(md('a \\$x^2\\$ b')).toEqual([]);
    expect(md('**EMPH_b**').join()).toMatch(/strong/);
    expect(md('x\n```\nFORGED\n```').join()).toMatch(/code block/);
  });
});

describe('JSON oracle', () => {
  it('flags changed strings and numbers not written as read', () => {
    const text = '{"rule":"r\\u001b","output_fields":{"evt.time":1795786844385152581,"x":1.50}}';
    const input = JSON.parse(text) as Record<string, unknown>;
    const good = '{"rule":"r\\u001b","output_fields":{"evt.time":1795786844385152581,"x":1.5}}';
    expect(roundTripViolations(text, input, JSON.parse(good) as Record<string, unknown>, good)).toEqual([]);
    const rounded = '{"rule":"r\\u001b","output_fields":{"evt.time":1795786844385152500,"x":1.5}}';
    expect(roundTripViolations(text, input, JSON.parse(rounded) as Record<string, unknown>, rounded).join()).toMatch(/evt.time/);
    const cleaned = '{"rule":"r","output_fields":{"evt.time":1795786844385152581,"x":1.5}}';
    expect(roundTripViolations(text, input, JSON.parse(cleaned) as Record<string, unknown>, cleaned).join()).toMatch(/^rule/);
  });
});
