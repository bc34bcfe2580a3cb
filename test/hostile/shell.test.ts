// Filled KB commands from hostile alerts: they parse with bash -n, and running them never runs a payload.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ereEscape, fieldType, TEMPLATE_VAR, templateVars, type Withheld } from '../../src/enrich/fill-template.js';
import { kb, runAll, VARIANTS } from './harness.js';
import { rawFieldNumbers } from './properties.js';

/** A command as the output shows it, with the template it was filled from and the alert that filled it. */
interface Filled {
  readonly where: string;
  readonly command: string;
  readonly missing: readonly string[];
  /** Values left out because the command would take them for options (they start with `-`), or of the wrong type. */
  readonly withheld: readonly Withheld[];
  readonly template: string;
  readonly alert: OutAlert;
  /** The output line or document the alert was read from, for numbers as written. */
  readonly text: string;
}

interface OutAlert {
  readonly rule: string;
  readonly priority: string;
  readonly hostname?: string;
  readonly source?: string;
  readonly time?: string;
  readonly timeOfDay?: string;
  readonly output_fields: Record<string, unknown>;
  readonly location: { line: number };
}

interface OutStep {
  readonly title: string;
  readonly command: string;
  readonly missing: string[];
  readonly withheld: Withheld[];
}

interface OutMatch {
  readonly entry: { rule: string; investigate: OutStep[]; remediate: OutStep[] } | null;
}

const corpus = (name: string): string => readFileSync(new URL(`./corpus/${name}`, import.meta.url), 'utf8');

/**
 * A field value as a template sees it; undefined when the alert does not carry it (null, <NA>, '').
 * Numbers are taken as written in `text` (JSON.parse would turn 1e400 into Infinity).
 */
function valueOf(a: OutAlert, name: string, written = ''): string | undefined {
  if (typeof a.output_fields[name] === 'number') return rawFieldNumbers(written).get(name) ?? String(a.output_fields[name]);
  switch (name) {
    case 'alert.hostname':
      return a.hostname ?? valueOf(a, 'evt.hostname');
    case 'alert.rule':
      return a.rule;
    case 'alert.priority':
      return a.priority;
    case 'alert.source':
      return a.source;
    case 'alert.time':
      return a.time ?? a.timeOfDay;
  }
  if (!Object.prototype.hasOwnProperty.call(a.output_fields, name)) return undefined;
  const text = (v: unknown): string | undefined => {
    if (v === null || v === undefined || v === '' || v === '<NA>') return undefined;
    if (Array.isArray(v)) {
      const parts = v.map(text).filter((x): x is string => x !== undefined);
      return parts.length > 0 ? parts.join(',') : undefined;
    }
    return typeof v === 'string' ? v : JSON.stringify(v);
  };
  return text(a.output_fields[name]);
}

/** Every filled command of the NDJSON output (each alert) and of the JSON document (each group's sample). */
async function filledCommands(input: string, label: string): Promise<Filled[]> {
  const catalogue = await kb();
  const run = await runAll(input, VARIANTS.filter((v) => v.format === 'json' || v.format === 'ndjson'));
  const out: Filled[] = [];
  const take = (a: OutAlert, m: OutMatch, from: string, text: string): void => {
    const entry = m.entry;
    if (!entry) return;
    const kbEntry = catalogue.entries.find((e) => e.rule === entry.rule);
    for (const [kind, steps] of [['investigate', entry.investigate], ['remediate', entry.remediate]] as const) {
      steps.forEach((s, i) => {
        const template = (kind === 'investigate' ? kbEntry?.investigate : kbEntry?.remediate)?.[i]?.run ?? '';
        out.push({ where: `${label} ${from} line ${a.location.line}, ${entry.rule}: ${kind} "${s.title}"`, command: s.command, missing: s.missing, withheld: s.withheld, template, alert: a, text });
      });
    }
  };
  for (const l of (run.out.ndjson?.cards ?? []).join('').split('\n').filter(Boolean)) {
    const rec = JSON.parse(l) as { alert: OutAlert; match: OutMatch };
    take(rec.alert, rec.match, 'ndjson', l);
  }
  // Group samples are the first alert of each group: their numbers are checked through the NDJSON line.
  const doc = JSON.parse(run.out.json?.report ?? '{}') as { groups: { sample: OutAlert; match: OutMatch }[] };
  for (const g of doc.groups) take(g.sample, g.match, 'json', '');
  return out;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What the sandbox's container look-up answers: more than any pid_max (at most 2^22), so /proc/NO_PID is never there. */
const NO_PID = 99999999;

/** What one command did when run: the commands bash looked up (all missing, PATH is empty), with arguments. */
interface Ran {
  readonly calls: string[][];
  readonly stderr: string;
}

/** Runs a command to its end and resolves with its stdout. */
function output(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }, input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject).on('close', () => resolve(out));
    child.stdin.end(input);
  });
}

/**
 * Controls: the same templates filled naively (no quoting). The checks below must flag every one of
 * them, which shows that the sandbox really runs commands and that the log sees what they call.
 */
const CONTROLS: Filled[] = [
  ['kubectl get pods -n {{k8s.ns.name}}', 'ns; pwnmark_control_semi'],
  ['crictl inspect {{container.id}}', '$(pwnmark_control_subst)'],
  ['kubectl delete pod -n x {{k8s.pod.name}}', "x'; pwnmark_control_quote '"],
].map(([template, value]) => ({
  where: 'control',
  command: (template as string).replace(/\{\{[^}]+\}\}/, (value as string).includes("'") ? `'${value as string}'` : (value as string)),
  missing: [],
  withheld: [],
  template: template as string,
  alert: { rule: 'control', priority: 'Notice', output_fields: {}, location: { line: 0 } },
  text: '',
}));

let dir = '';
let commands: Filled[] = [];
/** Commands with no placeholder (no field missing or withheld), each once. */
let runnable: Filled[] = [];
let parseFailures = new Set<number>();
let ran: Ran[] = [];
let leftFiles: string[] = [];

beforeAll(async () => {
  commands = [...(await filledCommands(corpus('hostile-alerts.jsonl'), 'hostile-alerts.jsonl')), ...(await filledCommands(corpus('hostile-lines.log'), 'hostile-lines.log'))];
  const seen = new Set<string>();
  runnable = [...commands.filter((c) => c.missing.length === 0 && c.withheld.length === 0 && !seen.has(c.command) && seen.add(c.command)), ...CONTROLS];
  dir = mkdtempSync(join(tmpdir(), 'falco-report-hostile-'));
  const cmds = join(dir, 'cmds');
  const cwd = join(dir, 'cwd');
  const errs = join(dir, 'errs');
  for (const d of [cmds, cwd, errs]) mkdirSync(d);
  runnable.forEach((c, i) => writeFileSync(join(cmds, String(i)), `${c.command}\n`));
  const files = runnable.map((_, i) => join(cmds, String(i)));

  // 1. bash -n on each command, several at a time (and at the same time as step 2).
  const parse = output('xargs', ['-0', '-P', '4', '-n', '1', 'sh', '-c', 'bash -n "$1" 2>/dev/null || printf "%s\\n" "$1"', '_'], { env: { PATH: '/usr/bin:/bin' } }, files.join('\0'));

  // 2. Run each command in a subshell of one bash with an empty environment and a PATH that finds
  // nothing (an empty PATH would mean the current directory): nothing but builtins can run, and every
  // command bash looks up lands in command_not_found_handle, which logs its name and arguments
  // (NUL-separated, so any byte survives) and cannot be redefined.
  // Each call writes its own file (pipelines run their commands at the same time): command number,
  // then the shell's pid and a random number, so that no two calls share a file.
  const calls = join(dir, 'calls');
  mkdirSync(calls);
  // The container look-up of the set-ups (crictl | jq | grep .) gets a process id that no process can have
  // (above the kernel's pid_max), so that the commands go on as on a node where the container runs, and a
  // path under /proc/PID/root still names no file.
  const driver = [
    `command_not_found_handle() { printf '%s\\0' "$@" > '${calls}'/"$n.$BASHPID.$RANDOM$RANDOM"; [ "$*" != 'grep .' ] || echo ${NO_PID}; return 127; }`,
    'readonly -f command_not_found_handle',
    'n=0',
    'for f in "$@"; do',
    `  ( . "$f" ) </dev/null >/dev/null 2>'${errs}'/"$n"`,
    '  n=$((n+1))',
    'done',
  ].join('\n');
  writeFileSync(join(dir, 'driver.sh'), driver);
  const bash = spawnSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } }).stdout.trim();
  // The Okta commands read the domain and token the README tells the user to set (they stop without them).
  const okta = ['OKTA_DOMAIN=example.okta.com', 'OKTA_API_TOKEN=token'];
  await output('env', ['-i', `PATH=${join(dir, 'no-such-dir')}`, ...okta, bash, '--norc', '--noprofile', join(dir, 'driver.sh'), ...files], { cwd });
  parseFailures = new Set((await parse).split('\n').filter(Boolean).map((f) => Number(f.slice(f.lastIndexOf('/') + 1))));
  ran = runnable.map(() => ({ calls: [], stderr: '' }));
  for (const f of readdirSync(calls)) {
    const args = readFileSync(join(calls, f), 'utf8').split('\0').slice(0, -1);
    ran[Number(f.split('.')[0])]?.calls.push(args);
  }
  ran = ran.map((r, i) => ({ ...r, stderr: readFileSync(join(errs, String(i)), 'utf8') }));
  leftFiles = readdirSync(cwd);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function count(text: string, c: string): number {
  return text.split(c).length - 1;
}

/**
 * For each shell word of a template, how many `"` it writes as text: escaped (`\"`) or inside single
 * quotes; the quotes that open and close the shell's own strings are not text.
 */
function literalQuotesPerWord(template: string): number[] {
  const words: number[] = [];
  let n = 0;
  let quote = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = '';
      else if (ch === '"') n++;
    } else if (ch === '\\') {
      if (template[i + 1] === '"') n++;
      i++;
    } else if (ch === '"') quote = quote === '"' ? '' : '"';
    else if (quote === '' && ch === "'") quote = "'";
    else if (quote === '' && /[\s|;&()]/.test(ch)) {
      words.push(n);
      n = 0;
    }
  }
  words.push(n);
  return words;
}

/** Each tool call of each command that was run (the controls aside), with the command it came from. */
function eachCall(visit: (c: Filled, args: string[]) => void): void {
  ran.forEach((r, i) => {
    const c = runnable[i] as Filled;
    if (c.where !== 'control') for (const args of r.calls) visit(c, args);
  });
}

describe('commands filled from hostile alerts', () => {
  it('cover every attack, both with all fields and with placeholders', () => {
    expect(runnable.length).toBeGreaterThan(100);
    expect(commands.some((c) => c.missing.length > 0)).toBe(true);
    expect(commands.some((c) => c.withheld.length > 0)).toBe(true);
  });

  it('show exactly the fields the alert lacks as <field> placeholders', () => {
    const bad: string[] = [];
    for (const c of commands) {
      const expected = templateVars(c.template).filter((v) => valueOf(c.alert, v) === undefined);
      if (JSON.stringify(c.missing) !== JSON.stringify(expected)) bad.push(`${c.where}: missing ${JSON.stringify(c.missing)}, expected ${JSON.stringify(expected)}`);
      for (const m of c.missing) if (!c.command.includes(`<${m}>`)) bad.push(`${c.where}: no <${m}> placeholder in ${c.command}`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('show a value the command would take for an option, or of the wrong type, as a <field> placeholder', () => {
    const bad: string[] = [];
    for (const c of commands) {
      for (const w of c.withheld) {
        if (w.value !== valueOf(c.alert, w.name, c.text)) bad.push(`${c.where}: withheld ${w.name} as ${JSON.stringify(w.value)}, but the alert has ${JSON.stringify(valueOf(c.alert, w.name, c.text))}`);
        // A value that does not start with `-` may still become an option through a cut (`${d##*:}` of `p:-x`).
        if (w.reason === 'option' && !w.value.includes('-')) bad.push(`${c.where}: withheld ${w.name} as an option, but its value holds no -`);
        if (w.reason === 'type' && fieldType(w.name) === undefined) bad.push(`${c.where}: withheld ${w.name} for its type, but the field has no fixed form`);
        if (!c.command.includes(`<${w.name}>`)) bad.push(`${c.where}: no <${w.name}> placeholder in ${c.command}`);
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('are checked by a sandbox that catches naive quoting (controls)', () => {
    const first = runnable.length - CONTROLS.length;
    const called = ran.slice(first).map((r) => r.calls.map((a) => a[0]).sort());
    expect(called).toEqual([['kubectl', 'pwnmark_control_semi'], ['crictl', 'pwnmark_control_subst'], ['kubectl', 'pwnmark_control_quote']]);
  });

  it('parse with bash -n', () => {
    const bad = [...parseFailures].filter((i) => runnable[i]?.where !== 'control').map((i) => `${runnable[i]?.where}: ${JSON.stringify(runnable[i]?.command).slice(0, 200)}`);
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('run no payload: no pwnmark command, no MARK file, only commands the template names', () => {
    const bad: string[] = [];
    ran.forEach((r, i) => {
      const c = runnable[i] as Filled;
      if (c.where === 'control') return;
      for (const args of r.calls) {
        const name = args[0] ?? '';
        if (/pwnmark|MARK_|^touch$/.test(name) || !c.template.includes(name)) bad.push(`${c.where}: ran ${JSON.stringify(args).slice(0, 120)} from ${JSON.stringify(c.command).slice(0, 200)}`);
      }
      if (/syntax error|unexpected EOF/.test(r.stderr)) bad.push(`${c.where}: ${r.stderr.trim().slice(0, 200)}`);
    });
    expect(bad.slice(0, 10)).toEqual([]);
    expect(leftFiles).toEqual([]);
  });

  it('hand no tool an option that its template does not write', () => {
    // An argument that starts with `-` before a `--` must stand in the template (quotes aside: `-F':'`):
    // an alert value that became an option (`kubectl delete pod -n prod --all` from a pod named `--all`,
    // or `crictl inspect "$c"` after `c={{container.id}}`) fails this.
    const bad: string[] = [];
    eachCall((c, args) => {
      for (const a of args.slice(1)) {
        if (a === '--') break;
        if (a.startsWith('-') && !c.template.replace(/['"]/g, '').includes(a)) bad.push(`${c.where}: ${args[0]} got option ${JSON.stringify(a).slice(0, 60)} from ${JSON.stringify(c.command).slice(0, 200)}`);
      }
    });
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('hand no tool a list with more items than its template wrote', () => {
    // kubectl reads a comma as the start of another resource type or selector term (`kubectl delete
    // pods,secrets web`), the AWS CLI's shorthand as another value or key (`Values=r-1,r-2`); ps, pgrep
    // and pkill read a comma or a blank in a list option's value as another user or name (`pkill -KILL
    // -u root,alice -x sshd`). Such an argument must stand in the
    // template as it is (quotes aside: `-o pid,ppid,user`).
    const listOptions = new Set(['-u', '-U', '-C', '-p', '--user']);
    const bad: string[] = [];
    eachCall((c, args) => {
      const written = c.template.replace(/['"]/g, '');
      const [tool, ...rest] = args;
      const end = rest.indexOf('--');
      rest.slice(0, end === -1 ? undefined : end).forEach((a, k) => {
        const list =
          tool === 'kubectl' || tool === 'aws' ? a.includes(',') && (tool === 'kubectl' || a.includes('=')) : (tool === 'ps' || tool === 'pgrep' || tool === 'pkill') && listOptions.has(rest[k - 1] ?? '') && /[,\s]/.test(a);
        if (list && !written.includes(a.replace(/['"]/g, ''))) bad.push(`${c.where}: ${tool} got list ${JSON.stringify(a).slice(0, 60)} from ${JSON.stringify(c.command).slice(0, 200)}`);
      });
    });
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it("hand no tool a path that climbs out of the container's root it was put under", () => {
    // `mv "$r"{{fd.name}} ...` with r=/proc/PID/root: an fd.name of /../../etc/passwd would reach the
    // node's own file (PID is NO_PID here).
    const bad: string[] = [];
    eachCall((c, args) => {
      for (const a of args.slice(1)) if (/\/root\/\.\.(\/|$)/.test(a)) bad.push(`${c.where}: ${args[0]} got ${JSON.stringify(a).slice(0, 80)} from ${JSON.stringify(c.command).slice(0, 200)}`);
    });
    expect(bad.slice(0, 10)).toEqual([]);
    // The attack reached such a command (and, withheld, left it out of the runs).
    const climb = commands.filter((c) => c.template.includes('"$r"{{fd.name}}') && valueOf(c.alert, 'fd.name') === '/../../../../etc/passwd');
    expect(climb.map((c) => c.alert.rule)).toContain('Update Package Repository');
    expect(climb.every((c) => c.withheld.some((w) => w.name === 'fd.name' && w.reason === 'path'))).toBe(true);
  });

  it("hand no tool a filter whose quoted text an alert value ended", () => {
    // `--data-urlencode "filter=actor.displayName eq \"$a\""`: an Okta display name of `x" or actor.id pr "`
    // would end the quoted name and select every user's events. A filter argument may hold no more `"`
    // than a word of its template writes as text (escaped, or inside single quotes).
    const bad: string[] = [];
    eachCall((c, args) => {
      const most = Math.max(...literalQuotesPerWord(c.template));
      for (const a of args.slice(1)) if (a.startsWith('filter=') && count(a, '"') > most) bad.push(`${c.where}: ${args[0]} got ${JSON.stringify(a).slice(0, 120)} from ${JSON.stringify(c.command).slice(0, 200)}`);
    });
    expect(bad.slice(0, 10)).toEqual([]);
    // The attack reached such commands, the destructive ones among them, and was left out of them.
    const quoted = commands.filter((c) => valueOf(c.alert, 'okta.actor.name') === 'x" or actor.id pr "' && /eq \\"\$a\\"/.test(c.template));
    expect(new Set(quoted.map((c) => c.alert.rule))).toEqual(new Set(['Too many denied MFA Pushes in last 5min', 'Adding user to application membership in OKTA', 'removing MFA factor from user in OKTA']));
    expect(quoted.every((c) => c.withheld.some((w) => w.name === 'okta.actor.name' && w.reason === 'quote'))).toBe(true);
  });

  it('pass each alert value to the tool it names unchanged, as one argument (or the end of one)', () => {
    // A {{field|ere}} reaches its tool as the pattern that matches only the value (escape.test.ts checks
    // that pattern against grep -E).
    const bad: string[] = [];
    ran.forEach((r, i) => {
      const c = runnable[i] as Filled;
      if (c.where === 'control') return;
      for (const m of c.template.matchAll(TEMPLATE_VAR)) {
        const name = m[1] as string;
        const raw = valueOf(c.alert, name, c.text);
        // bash cannot pass a NUL in an argument, and a lone surrogate is written as U+FFFD.
        if (raw === undefined || raw.includes('\0') || LONE_SURROGATE.test(raw)) continue;
        const v = m[2] === 'ere' ? ereEscape(raw) : raw;
        // In a filter's quoted text (`filter=target.displayName eq \"$g\"`) it stands between quotes.
        if (!r.calls.some((args) => args.slice(1).some((a) => a === v || a.endsWith(v) || a.endsWith(`=${v}`) || a.includes(`"${v}"`)))) {
          bad.push(`${c.where}: ${m[0]} = ${JSON.stringify(v).slice(0, 80)} reached no tool intact; calls ${JSON.stringify(r.calls).slice(0, 300)}`);
        }
      }
    });
    expect(bad.slice(0, 10)).toEqual([]);
  });
});
