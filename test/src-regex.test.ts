// Regular expressions in the tool's own code run on alert values, which attackers choose: each regex
// literal in src/ must match in linear time, checked by recheck from the pattern (time limits off, fixed
// seed), unless it is listed below with the reason its input cannot be long or hostile. The scans that
// replaced the quadratic ones are checked against them, value for value.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { withoutArgument } from '../src/alert/field-name.js';
import { hasTag, imageRepository } from '../src/alert/place.js';
import { mdText } from '../src/escape/markdown.js';
import { ROOT } from './helpers.js';
import { regexVerdict } from './regex-verdict.js';

/** `file: /pattern/` of the literals that may backtrack, and why that is safe where they run. */
const ALLOWED: Readonly<Record<string, string>> = {
  'src/alert/json-text.ts: / in JSON at position \\d+.*$/': "runs on V8's JSON.parse message, whose quote of the input is short",
  'src/filter/time-bound.ts: /^(\\d{4})-(\\d\\d)-(\\d\\d)[Tt](\\d\\d):(\\d\\d):(\\d\\d)(\\.\\d+)?(.*)$/': 'runs on a --since or --until value the user typed',
  'src/alert/parse-text.ts: /[\\s:=(]+$/': "runs on the start of a rule's output format from the rules files (generated, short)",
  'src/filter/time-bound.ts: /\\.?0+Z$/': 'runs on a time the tool wrote itself (nine fraction digits at most)',
  'src/render/markdown.ts: /\\B(?=(\\d{3})+$)/g': 'runs on counts the tool wrote itself',
  'src/tune/suggest.ts: /^_+|_+$/g': 'runs on a KB field name after runs of non-alphanumerics became one _',
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every regex literal of src/, as `file: /pattern/flags`. */
function literals(): { key: string; source: string; flags: string }[] {
  const out: { key: string; source: string; flags: string }[] = [];
  for (const file of sources(join(ROOT, 'src'))) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = n.getText(sf);
        const end = text.lastIndexOf('/');
        out.push({ key: `${relative(ROOT, file)}: ${text}`, source: text.slice(1, end), flags: text.slice(end + 1) });
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

describe('regex literals of src/', () => {
  it('match in linear time, or are listed with the reason their input is safe', () => {
    const all = literals();
    expect(all.length).toBeGreaterThan(100);
    const slow = all
      .filter((l) => regexVerdict(l.source, l.flags.replace('g', '')) !== 'safe')
      .map((l) => l.key);
    expect(slow.filter((k) => !(k in ALLOWED))).toEqual([]);
    // Each listed literal is still there and still needs its entry.
    expect(Object.keys(ALLOWED).filter((k) => !slow.includes(k))).toEqual([]);
  }, 300_000);
});

describe('the scans that replaced quadratic regexes', () => {
  const text = (chars: string[]): fc.Arbitrary<string> => fc.array(fc.constantFrom(...chars), { maxLength: 12 }).map((a) => a.join(''));
  it('withoutArgument strips what /\\[[^\\]]*\\]$/ stripped', () => {
    fc.assert(
      fc.property(text(['[', ']', 'a', '.', '2']), (s) => {
        expect(withoutArgument(s)).toBe(s.replace(/\[[^\]]*\]$/, ''));
      }),
      { numRuns: 2000 },
    );
    expect(withoutArgument('proc.aname[2]')).toBe('proc.aname');
    expect(withoutArgument('json.value[/a/b]')).toBe('json.value');
  });
  it('imageRepository and hasTag read images as /@.*$/ and /:[^/]+$/ did (a digest now ends at no line break)', () => {
    fc.assert(
      fc.property(text(['@', ':', '/', 'a', '1', '\n']), (s) => {
        expect(imageRepository(s)).toBe(s.replace(/@[^]*$/, '').replace(/:[^/:]*$/, ''));
        expect(hasTag(s)).toBe(/:[^/]+$/.test(s));
      }),
      { numRuns: 2000 },
    );
  });
  it('mdText breaks every autolink, the colon of any scheme:// included', () => {
    expect(mdText('see https://x.example and www.example.org')).toBe('see https\\://x.example and www\\.example.org');
    expect(mdText('1://x and ://y')).toBe('1\\://x and \\://y');
  });
});
