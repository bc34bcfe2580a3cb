// End-to-end: spawn the real bin/ with NO_COLOR=1 and check exit code, stdout and stderr together.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS, containerSetUp, ROOT } from './helpers.js';
import { PREPARE } from '../src/kb/schema.js';

const BIN = join(ROOT, 'bin/falco-report.js');
const ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } as NodeJS.ProcessEnv;
delete ENV.FORCE_COLOR;

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, encoding: 'utf8', input: input ?? '' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('exit paths', () => {
  it('a clean report exits 0 with the report on stdout and nothing on stderr', () => {
    const r = run(['analyze', 'examples/k8s-audit.json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^# Falco alert: Attach\/Exec Pod\n/);
  });
  it('--fail-on exits 1 at or above the priority, 0 below; the bare form is analyze', () => {
    expect(run(['examples/mixed.ndjson', '--fail-on', 'critical']).code).toBe(1);
    expect(run(['examples/mixed.ndjson', '--fail-on', 'Alert']).code).toBe(0);
    const min = run(['examples/mixed.ndjson', '--fail-on', 'warning', '--min-priority', 'error', '--format', 'json']);
    expect(min.code).toBe(1);
    const doc = JSON.parse(min.stdout) as { totals: { alerts: number }; input: { filtered: number } };
    expect(doc.totals.alerts).toBe(2);
    expect(doc.input.filtered).toBe(5);
    expect(run(['examples/mixed.ndjson', '--fail-on', 'warning', '--min-priority', 'emergency']).code).toBe(0);
  });
  it('filters shape the report and the --fail-on gate alike', () => {
    const all = run(['examples/mixed.ndjson', '--fail-on', 'critical']);
    expect(all.code).toBe(1);
    const onlyShells = run(['examples/mixed.ndjson', '--fail-on', 'critical', '--rule', 'terminal*', '--format', 'json']);
    expect(onlyShells.code).toBe(0);
    const doc = JSON.parse(onlyShells.stdout) as { totals: { alerts: number }; input: { filtered: number }; filters: string[] };
    expect(doc.totals.alerts).toBe(3);
    expect(doc.input.filtered).toBe(4);
    expect(doc.filters).toEqual(['rule matches "terminal*"']);
    const where = run(['examples/mixed.ndjson', '--where', 'proc.cmdline~=kdevtmpfsi', '--where', 'k8s.ns.name=shop', '--fail-on', 'critical']);
    expect(where.code).toBe(1);
    expect(where.stdout).toContain('| Filters | proc.cmdline matches /kdevtmpfsi/; k8s.ns.name is "shop" |');
    // A lookahead runs on the backtracking engine: the run says so first, and filters as before.
    const look = run(['examples/mixed.ndjson', '--where', 'proc.cmdline~=(?=.*kdevtmpfsi)', '--where', 'k8s.ns.name=shop', '--fail-on', 'critical']);
    expect(look.code).toBe(1);
    expect(look.stderr.split('\n')[0]).toBe(
      `falco-report: warning: --where "proc.cmdline~=(?=.*kdevtmpfsi)": the pattern runs on V8's backtracking engine (lookaround, a backreference or a large count such as {64}; the linear-time engine runs none of them): make sure no part of it can match the same text in two ways, or a long alert value can stall the report`,
    );
    expect(where.stderr).not.toContain('backtracking engine');
    expect(look.stdout.replace('/(?=.\\*kdevtmpfsi)/', '/kdevtmpfsi/')).toBe(where.stdout);
    const bad = run(['examples/mixed.ndjson', '--where', 'proc.name']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--where "proc.name": expected');
  });
  it('--group-by pivots the report; a bad key is a usage error', () => {
    const r = run(['examples/mixed.ndjson', '--group-by', 'pod,process', '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { pivot: { by: string[]; rows: { value: string; count: number; rows: { value: string }[] }[] } };
    expect(doc.pivot.by).toEqual(['pod', 'process']);
    expect(doc.pivot.rows[0]).toMatchObject({ value: 'checkout-7d9f8b6c5-x2kqp', count: 5 });
    expect(doc.pivot.rows[0]?.rows.map((x) => x.value)).toEqual(['kdevtmpfsi', 'cat', 'bash', 'curl']);
    const md = run(['examples/mixed.ndjson', '--group-by', 'host']);
    expect(md.stdout).toContain('## By host\n\n| Host | Alerts | Priorities | First seen | Last seen | Top rules |');
    const bad = run(['examples/mixed.ndjson', '--group-by', 'cluster']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--group-by "cluster": expected one or two of rule, host, namespace, pod, container, image, process, user separated by a comma, got "cluster"');
  });
  it('--baseline marks signatures new, known or gone, and --fail-on-new gates only on new ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-base-'));
    const lines = readFileSync(join(ROOT, 'examples/mixed.ndjson'), 'utf8').split('\n');
    // Yesterday: only the two shells; today: everything.
    writeFileSync(join(dir, 'yesterday.ndjson'), `${lines[2]}\n${lines[4]}\n`);
    expect(run(['analyze', join(dir, 'yesterday.ndjson'), '-o', join(dir, 'base.json')]).code).toBe(0);
    const today = run(['analyze', 'examples/mixed.ndjson', '--baseline', join(dir, 'base.json'), '--fail-on-new', 'critical', '--format', 'json']);
    expect(today.code).toBe(1);
    const doc = JSON.parse(today.stdout) as { baseline: { signatures: { state: string; sig: { rule: string } }[]; rules: { rule: string; state: string }[] } };
    const states = Object.fromEntries(doc.baseline.rules.map((r) => [r.rule, r.state]));
    expect(states['Terminal shell in container']).toBe('known');
    expect(states['Drop and execute new binary in container']).toBe('new');
    // The new signatures top out at Critical: --fail-on-new alert passes, critical (above) fails.
    expect(run(['analyze', 'examples/mixed.ndjson', '--baseline', join(dir, 'base.json'), '--fail-on-new', 'alert']).code).toBe(0);
    // Against itself nothing is new.
    expect(run(['analyze', join(dir, 'yesterday.ndjson'), '--baseline', join(dir, 'base.json'), '--fail-on-new', 'debug']).code).toBe(0);
    const gone = run(['analyze', 'examples/k8s-audit.json', '--baseline', join(dir, 'base.json'), '--format', 'json']);
    const g = JSON.parse(gone.stdout) as { baseline: { rules: { rule: string; state: string }[] } };
    expect(g.baseline.rules).toContainEqual({ rule: 'Terminal shell in container', state: 'gone' });
    writeFileSync(join(dir, 'bad.json'), '{"schemaVersion": 7}');
    const bad = run(['analyze', 'examples/mixed.ndjson', '--baseline', join(dir, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json: /);
    expect(run(['analyze', 'examples/mixed.ndjson', '--fail-on-new', 'critical']).code).toBe(2);
  });
  it('rejected records are warned about on stderr with file:line, and --strict exits 2', () => {
    const r = run(['examples/mixed.ndjson']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('falco-report: warning: examples/mixed.ndjson:10: priority: expected one of Emergency…Debug, got "Urgent"\n');
    const s = run(['examples/mixed.ndjson', '--strict']);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('1 records rejected and --strict is set');
  });
  it('usage errors exit 2 with the reason and the help hint, never 1', () => {
    const bad = run(['analyze', '--no-such-flag', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option '--no-such-flag'/);
    expect(bad.stderr).toContain('falco-report --help');
    const prio = run(['analyze', 'examples/seed-alert.json', '--fail-on', 'urgent']);
    expect(prio.code).toBe(2);
    expect(prio.stderr).toContain('expected a priority (Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug), got "urgent"');
    const fmt = run(['analyze', 'examples/seed-alert.json', '--format', 'pdf']);
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toMatch(/Allowed choices are terminal, markdown, json, ndjson/);
    const ext = run(['analyze', 'examples/seed-alert.json', '-o', join(tmpdir(), 'x.pdf')]);
    expect(ext.code).toBe(2);
    expect(ext.stderr).toContain('cannot tell the format from ".pdf"');
  });
  it('a missing file exits 2 with one line, no stack', () => {
    const r = run(['analyze', 'no/such/file.json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^falco-report: error: no\/such\/file\.json: .+\n$/);
  });
  it('--help and --version exit 0', () => {
    const h = run(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage: falco-report');
    const ah = run(['analyze', '--help']);
    expect(ah.code).toBe(0);
    expect(ah.stdout).toContain('--fail-on <priority>');
    const v = run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(VERSION);
    const hk = run(['help', 'kb']);
    expect(hk.code).toBe(0);
    expect(hk.stdout).toContain('Usage: falco-report kb');
  });
  it('a command without its subcommand is a usage error: the help on stderr, exit 2', () => {
    const r = run(['kb']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: falco-report kb');
    expect(r.stderr).toContain('coverage');
  });
});

describe('inputs and outputs', () => {
  it('reads stdin with "-" and with no file, the same as a file', () => {
    const file = run(['analyze', 'examples/seed-alert.json', '--format', 'json']);
    const stdin = run(['analyze', '-', '--format', 'json'], readFileSync(join(ROOT, 'examples/seed-alert.json'), 'utf8'));
    const bare = run(['--format', 'json'], readFileSync(join(ROOT, 'examples/seed-alert.json'), 'utf8'));
    const strip = (s: string) => s.replace(/"(file|location)":\s*("[^"]*"|\{[^}]*\})/g, '');
    expect(stdin.code).toBe(0);
    expect(strip(stdin.stdout)).toBe(strip(file.stdout));
    expect(bare.stdout).toBe(stdin.stdout);
  });
  it('-o writes the report to a file in the format of its extension; stdout stays empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-e2e-'));
    const r = run(['analyze', 'examples/mixed.ndjson', '-o', join(dir, 'r.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const doc = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { schemaVersion: number; input: Record<string, number> };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.input).toEqual({ records: 10, accepted: 7, rejected: 1, skipped: 2, filtered: 0 });
    const md = run(['analyze', 'examples/seed-alert.json', '-o', join(dir, 'r.md')]);
    expect(md.code).toBe(0);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toMatch(/^# Falco alert: Detect Shell in Container/);
  });
  it('a value that a command would take for an option, or that does not fit its type, is left out of it, in JSON and Markdown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-e2e-'));
    const file = join(dir, 'alert.json');
    const fields = { 'proc.name': 'bash', 'k8s.ns.name': 'shop', 'k8s.pod.name': '--all', 'container.id': '--help' };
    writeFileSync(file, JSON.stringify({ rule: 'Terminal shell in container', priority: 'Notice', time: '2026-11-27T09:12:04.800123457Z', source: 'syscall', hostname: 'node-1', output: 'shell', output_fields: fields }));
    const json = run([file, '--format', 'json']);
    expect(json.code).toBe(0);
    type Step = { command: string; missing: string[]; withheld: { name: string; value: string; reason: string }[] };
    const entry = (JSON.parse(json.stdout) as { groups: { match: { entry: { investigate: Step[]; remediate: Step[] } } }[] }).groups[0]?.match.entry;
    // container.id may be any text, but not an option where crictl reads one: as its word, or as "$c" of the set-up.
    const optionLeftOut = { missing: [], withheld: [{ name: 'container.id', value: '--help', reason: 'option' }] };
    expect(entry?.investigate.find((s) => s.command.startsWith('crictl inspect'))).toMatchObject({ command: 'crictl inspect <container.id>', ...optionLeftOut });
    expect(entry?.investigate.find((s) => s.command.startsWith(containerSetUp('container-pid', '<container.id>')))).toMatchObject(optionLeftOut);
    // A pod name is a DNS name: --all is none, wherever it stands (glued into a selector too).
    const del = entry?.remediate.find((s) => s.command.startsWith('kubectl delete pod'));
    expect(del).toMatchObject({ command: 'kubectl delete pod -n shop <k8s.pod.name>', missing: [], withheld: [{ name: 'k8s.pod.name', value: '--all', reason: 'type' }] });
    expect(entry?.investigate[0]?.command).toContain('involvedObject.name=<k8s.pod.name>');
    const md = run([file]);
    expect(md.stdout).toContain('   kubectl delete pod -n shop <k8s.pod.name>\n');
    expect(md.stdout).toContain("`<k8s.pod.name>` is not filled in: the alert's value, `--all`, is not a Kubernetes pod name, which `k8s.pod.name` always is.");
    expect(md.stdout).toContain("`<container.id>` is not filled in: the alert's value, `--help`, starts with `-`, and the command would take it for an option.");
    expect(md.stdout).not.toMatch(/^ *kubectl delete pod .*--all/m);
    // An IP address field that holds a network: the iptables step is left without it.
    writeFileSync(file, JSON.stringify({ rule: 'Outbound Connection to C2 Servers', priority: 'Warning', time: '2026-11-27T09:12:04.800123457Z', source: 'syscall', hostname: 'node-1', output: 'c2', output_fields: { 'fd.sip': '0.0.0.0/0', 'proc.name': 'curl' } }));
    const c2 = run([file]);
    expect(c2.stdout).toContain('   iptables -I OUTPUT -d <fd.sip> -j DROP && iptables -I FORWARD -d <fd.sip> -j DROP\n');
    expect(c2.stdout).toContain("`<fd.sip>` is not filled in: the alert's value, `0.0.0.0/0`, is not an IP address, which `fd.sip` always is.");
    // A path that climbs out of the container's root: the remediation would move the node's own file.
    writeFileSync(file, JSON.stringify({ rule: 'Update Package Repository', priority: 'Notice', time: '2026-11-27T09:12:04.800123457Z', source: 'syscall', hostname: 'node-1', output: 'repo', output_fields: { 'fd.name': '/../../../../etc/passwd', 'container.id': 'c0ffee000001', 'proc.name': 'sh' } }));
    const repo = run([file]);
    expect(repo.stdout).toContain('mv "$r"<fd.name> "$r"<fd.name>.disabled-by-falco');
    expect(repo.stdout).toContain("`<fd.name>` is not filled in: the alert's value, `/../../../../etc/passwd`, holds a `..` component, and appended to the path before it (such as the container's root) it would lead out of that path.");
    expect(repo.stdout).not.toContain('"$r"/../');
    // A service account whose namespace part is an option: the command cuts it out (`-n "${s%%:*}"`).
    writeFileSync(file, JSON.stringify({ rule: 'K8s Secret Get Successfully', priority: 'Error', time: '2026-11-27T09:12:04.800123457Z', source: 'k8s_audit', output: 'secret', output_fields: { 'ka.user.name': 'system:serviceaccount:--all-namespaces:web', 'ka.target.namespace': 'shop', 'ka.target.name': 'db' } }));
    const sa = run([file]);
    expect(sa.stdout).toContain("`<ka.user.name>` is not filled in: the alert's value, `system:serviceaccount:--all-namespaces:web`, is cut by the command (`${v#...}`, `${v%...}`) to a part that starts with `-`, which it would take for an option.");
    expect(sa.stdout).not.toContain('u=system:serviceaccount:--all-namespaces');
    // An Okta display name that would end the quoted name in the System Log filter and select every
    // user's events: the remediation would then end the sessions of whoever came first.
    const widen = 'x" or actor.id pr "';
    writeFileSync(file, JSON.stringify({ rule: 'Too many denied MFA Pushes in last 5min', priority: 'Warning', time: '2026-11-27T09:12:04.800123457Z', source: 'okta', output: 'mfa', output_fields: { 'okta.actor.name': widen, 'okta.reason': 'denied' } }));
    const mfa = run([file, '--format', 'json']);
    const okta = (JSON.parse(mfa.stdout) as { groups: { match: { entry: { remediate: { command: string; withheld: unknown[] }[] } } }[] }).groups[0]?.match.entry;
    expect(okta?.remediate.length).toBeGreaterThan(0);
    for (const step of okta?.remediate ?? []) {
      expect(step.withheld).toEqual([{ name: 'okta.actor.name', value: widen, reason: 'quote' }]);
      // After the set-up that checks OKTA_DOMAIN and OKTA_API_TOKEN, the name is a placeholder.
      expect(step.command.startsWith(`${PREPARE['okta-api']} a=<okta.actor.name>; `)).toBe(true);
    }
    expect(run([file]).stdout).toContain("`<okta.actor.name>` is not filled in: the alert's value, `x\" or actor.id pr \"`, holds a `\"` or a backslash, and inside the quoted text of the command's filter it would end that text, so that the rest of the value would change what the filter selects.");
  });
  it("a user's regex (a KB entry's benign pattern, --where ~=) cannot stall a report on a long value", () => {
    // `(a+)+$` backtracks exponentially on letters that end in another character: on the usual engine
    // these runs would not end (40 letters are 2^40 ways to split them); the time limit only turns such
    // a hang into a failure.
    const dir = mkdtempSync(join(tmpdir(), 'fr-e2e-'));
    mkdirSync(join(dir, 'kb'));
    const entry = readFileSync(join(ROOT, 'rules-kb/stable/terminal-shell-in-container.yaml'), 'utf8');
    writeFileSync(join(dir, 'kb/mine.yaml'), entry.replace(/^( +value: )'\^\(ba\|da\|z\).*$/m, (_m, key: string) => `${key}'^sh (a+)+$'`));
    const alert = (cmdline: string) => JSON.stringify({ rule: 'Terminal shell in container', priority: 'Notice', time: '2026-11-27T09:12:04.800123457Z', source: 'syscall', output: 'shell', output_fields: { 'proc.cmdline': cmdline } });
    writeFileSync(join(dir, 'alerts.ndjson'), `${alert(`sh ${'a'.repeat(40)}b`)}\n${alert(`sh ${'a'.repeat(40)}`)}\n`);
    const limit = { timeout: 20_000, killSignal: 'SIGKILL' as const };
    const kb = spawnSync(process.execPath, [BIN, join(dir, 'alerts.ndjson'), '--kb', join(dir, 'kb'), '--format', 'ndjson'], { cwd: ROOT, env: ENV, encoding: 'utf8', ...limit });
    expect(kb.signal).toBeNull();
    expect(kb.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { benign: string[] }).benign)).toEqual([[], ["The shell runs the image's own entrypoint script"]]);
    const where = spawnSync(process.execPath, [BIN, join(dir, 'alerts.ndjson'), '--where', 'proc.cmdline~=^sh (a+)+$', '--format', 'json'], { cwd: ROOT, env: ENV, encoding: 'utf8', ...limit });
    expect(where.signal).toBeNull();
    expect((JSON.parse(where.stdout) as { totals: { alerts: number } }).totals.alerts).toBe(1);
  });
  it('JSON on stdout stays parseable while warnings go to stderr, and keeps big integers exact', () => {
    const r = run(['analyze', 'examples/mixed.ndjson', '--format', 'json']);
    expect(r.stderr).toContain('warning: examples/mixed.ndjson:10');
    const doc = JSON.parse(r.stdout) as { rejects: { line: number; reason: string }[] };
    expect(doc.rejects).toEqual([{ file: 'examples/mixed.ndjson', line: 10, reason: 'priority: expected one of Emergency…Debug, got "Urgent"' }]);
    const seed = run(['analyze', 'examples/seed-alert.json', '--format', 'json']).stdout;
    expect(seed).toContain('"evt.time": 1795786844385152581');
  });
  it('the malformed corpus samples are rejected with line numbers and the counts add up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-bad-'));
    const samples = readFileSync(`${CORPUS}public-alerts-malformed.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string);
    const file = join(dir, 'bad.txt');
    writeFileSync(file, `${samples.join('\n')}\n${readFileSync(`${CORPUS}seed-alert.json`, 'utf8')}`);
    const r = run(['analyze', file, '--format', 'json']);
    const doc = JSON.parse(r.stdout) as { input: { records: number; accepted: number; rejected: number; skipped: number }; rejects: { line: number }[] };
    expect(doc.input.accepted).toBe(1);
    expect(doc.input.rejected).toBeGreaterThanOrEqual(samples.length);
    expect(doc.input.accepted + doc.input.rejected + doc.input.skipped).toBe(doc.input.records);
    expect(doc.rejects.every((x) => x.line >= 1)).toBe(true);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('falco-report: warning: ')).length).toBe(Math.min(doc.input.rejected, 20));
  });
  it('reads a line that is one JSON string (jq without -r) as what it holds: a JSON alert, a text alert, or a reject with its reason', () => {
    // The malformed corpus file as it is stored: each line a JSON string of a broken alert.
    const raw = run(['analyze', `${CORPUS}public-alerts-malformed.jsonl`, '--format', 'json']);
    const doc = JSON.parse(raw.stdout) as { input: { records: number; rejected: number; skipped: number }; rejects: { line: number; reason: string }[] };
    expect(doc.input).toMatchObject({ records: 6, rejected: 6, skipped: 0 });
    expect(doc.rejects.map((x) => x.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(doc.rejects.every((x) => x.reason.startsWith('a JSON string holding an alert: invalid JSON'))).toBe(true);
    expect(raw.stderr).toContain(`public-alerts-malformed.jsonl:2: a JSON string holding an alert: invalid JSON: input ends inside a value`);
    const text = JSON.stringify('10:00:00.1: Warning Sensitive file opened for reading by non-trusted program | file=/etc/shadow process=cat');
    const json = JSON.stringify(JSON.stringify({ rule: 'Terminal shell in container', priority: 'Notice', time: '2024-01-01T00:00:00Z', output_fields: {} }));
    const mixed = run(['--format', 'json'], `${text}\n${json}\n"just a sentence"\n`);
    const out = JSON.parse(mixed.stdout) as { input: { accepted: number; skipped: number }; groups: { rule: string }[]; skipped: { line: number }[] };
    expect(out.input).toMatchObject({ accepted: 2, skipped: 1 });
    expect(out.groups.map((g) => g.rule).sort()).toEqual(['Read sensitive file untrusted', 'Terminal shell in container']);
    expect(out.skipped.map((x) => x.line)).toEqual([3]);
  });
});

describe('live mode', () => {
  it('shows a card before the input ends, and prints the summary and exit code on SIGINT', async () => {
    const child = spawn(process.execPath, [BIN, '--format', 'markdown', '--fail-on', 'warning'], { cwd: ROOT, env: ENV });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
    });
    const lines = readFileSync(join(ROOT, 'examples/mixed.ndjson'), 'utf8').split('\n');
    child.stdin.write(`${lines[2]}\n${lines[3]}\n`);
    const deadline = Date.now() + 15_000;
    while (!stdout.includes('Read sensitive file untrusted') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(stdout).toContain('**09:12:04.800 Notice: Terminal shell in container**');
    expect(stdout).not.toContain('# Falco report');
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(1);
    expect(stdout).toContain('# Falco report: 2 alerts, 2 rules');
  });
  it('folds repeats into a counter line but counts every alert', () => {
    const line = readFileSync(join(ROOT, 'examples/mixed.ndjson'), 'utf8').split('\n')[2] as string;
    const child = spawnSync('bash', ['-c', `for i in 1 2 3 4 5; do echo '${line.replace(/'/g, `'\\''`)}'; done | "${process.execPath}" "${BIN}" --format markdown`], { cwd: ROOT, env: ENV, encoding: 'utf8' });
    expect(child.status).toBe(0);
    expect(child.stdout.match(/\*\*09:12:04\.800 Notice: Terminal shell in container\*\*/g)).toHaveLength(1);
    expect(child.stdout).toContain('4 more Terminal shell in container in checkout (a1b2c3d4e5f6) folded');
    expect(child.stdout).toContain('# Falco report: 5 alerts, 1 rule');
  });
  it('ends quietly when the reader goes away (| head)', () => {
    const big = Array.from({ length: 20000 }, () => readFileSync(join(ROOT, 'examples/mixed.ndjson'), 'utf8').split('\n')[2]).join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'fr-head-'));
    writeFileSync(join(dir, 'big.ndjson'), big);
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" --format ndjson < "${join(dir, 'big.ndjson')}" | head -n 2; echo "rc=\${PIPESTATUS[0]}" >&2`], { cwd: ROOT, env: ENV, encoding: 'utf8' });
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stderr.trim()).toBe('rc=0');
  });
  it('ends quietly when the reader goes away in the middle of a large JSON report, written in pieces', () => {
    // 3,000 rules: a report of megabytes, far more than a pipe holds.
    const line = JSON.parse(readFileSync(join(ROOT, 'examples/mixed.ndjson'), 'utf8').split('\n')[2] as string) as Record<string, unknown>;
    const many = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ ...line, rule: `Custom rule ${i}` })).join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'fr-head-'));
    writeFileSync(join(dir, 'many.ndjson'), many);
    const whole = spawnSync(process.execPath, [BIN, join(dir, 'many.ndjson'), '--format', 'json'], { cwd: ROOT, env: ENV, encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(whole.stdout.length).toBeGreaterThan(1 << 20);
    expect(JSON.parse(whole.stdout)).toMatchObject({ totals: { alerts: 3000 } });
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" "${join(dir, 'many.ndjson')}" --format json | head -c 1000 > /dev/null; echo "rc=\${PIPESTATUS[0]}" >&2`], { cwd: ROOT, env: ENV, encoding: 'utf8' });
    expect(r.stderr.trim()).toBe('rc=0');
  });
});

describe('Docker json-file logs', () => {
  it('reads the line each record holds as if it stood alone: the same report as the lines themselves', () => {
    const lines = readFileSync(join(ROOT, 'examples/mixed.ndjson'), 'utf8').split('\n').filter((l) => l !== '');
    const wrapped = lines.map((l, i) => JSON.stringify({ log: `${l}\n`, stream: 'stdout', time: `2026-11-27T09:12:${String(i).padStart(2, '0')}.000000000Z` })).join('\n');
    const plain = run(['--format', 'json'], `${lines.join('\n')}\n`);
    const docker = run(['--format', 'json'], `${wrapped}\n`);
    expect(docker.code).toBe(plain.code);
    const a = JSON.parse(plain.stdout) as Record<string, unknown>;
    const b = JSON.parse(docker.stdout) as Record<string, unknown>;
    expect(b.input).toEqual({ records: 10, accepted: 7, rejected: 1, skipped: 2, filtered: 0 });
    for (const key of ['input', 'totals', 'groups', 'incidents', 'rejects', 'signatures']) expect(b[key], key).toEqual(a[key]);
    // A record that merely has a `log` key is an alert like any other.
    const alert = JSON.parse(lines.find((l) => l.includes('"rule"')) as string) as Record<string, unknown>;
    const own = run(['--format', 'json'], `${JSON.stringify({ ...alert, log: 'x', stream: 'stdout' })}\n`);
    expect(JSON.parse(own.stdout)).toMatchObject({ input: { accepted: 1 } });
  });
});

describe('--redact', () => {
  it('masks secrets in every format, keeping 4 characters, and leaves them without the flag', () => {
    const alert = JSON.stringify({
      rule: 'Terminal shell in container',
      priority: 'Notice',
      output: 'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
      output_fields: {
        'proc.cmdline': 'mysql -pS3cretPass --password=hunter22 -h db',
        'k8s.ns.name': 'prod',
        'k8s.pod.name': 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
        'container.id': 'ghp_0123456789abcdefghijklmnopqrstuvwxyz',
      },
    });
    for (const format of ['json', 'markdown', 'terminal', 'ndjson']) {
      const r = run(['--format', format, '--redact', '-'], alert);
      expect(r.code, format).toBe(0);
      for (const secret of ['IOSFODNN7EXAMPLE', 'S3cretPass', 'hunter22', 'abcdefghijklmnop']) expect(r.stdout, `${format} ${secret}`).not.toContain(secret);
      expect(r.stdout, format).toContain(format === 'markdown' ? 'AKIA…\\[redacted\\]' : 'AKIA…[redacted]');
    }
    type Step = { command: string; withheld: { name: string; value: string; reason: string }[] };
    const json = JSON.parse(run(['--format', 'json', '--redact', '-'], alert).stdout) as { groups: { match: { entry: { investigate: Step[]; remediate: Step[] } } }[] };
    const entry = json.groups[0]?.match.entry;
    // Filled commands carry the masked value too, quoted like any other value, and so does a value left out.
    expect(entry?.investigate.find((s) => s.command.startsWith('crictl inspect'))?.command).toBe("crictl inspect 'ghp_…[redacted]'");
    expect(entry?.investigate.some((s) => s.command.startsWith("c='ghp_…[redacted]'; pid=1; "))).toBe(true);
    expect(entry?.remediate[0]).toMatchObject({ command: 'kubectl delete pod -n prod <k8s.pod.name>', withheld: [{ name: 'k8s.pod.name', value: 'ghp_…[redacted]', reason: 'type' }] });
    expect(run(['--format', 'json', '-'], alert).stdout).toContain('hunter22');
  });
});

describe('tune', () => {
  it('writes a rules file with evidence, and --check counts what it silences', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-tune-'));
    const r = run(['tune', 'test/tune/golden/ci-shells.ndjson', '--check', '-o', join(dir, 'ex.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const yaml = readFileSync(join(dir, 'ex.yaml'), 'utf8');
    // The same exception rows as the reviewed golden file of the tune module (the header differs: version, risk label).
    const rows = (t: string) => t.split('\n').filter((l) => /^\s+- \[|^\s+- name: |^- rule: /.test(l));
    expect(rows(yaml)).toEqual(rows(readFileSync(join(ROOT, 'test/tune/golden/ci-shells.yaml'), 'utf8')));
    expect(rows(yaml)).toHaveLength(4);
    expect(yaml).toContain(`falco-report ${VERSION} from 35 alerts`);
    expect(r.stderr).toContain('Exceptions checked against 35 alerts: 33 silenced, 2 remaining.');
    const piped = run(['tune', '--falco-version', '0.36'], readFileSync(join(ROOT, 'test/tune/golden/ci-shells.ndjson'), 'utf8'));
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain('  append: true\n');
    expect(run(['tune', 'test/tune/golden/ci-shells.ndjson', '--allow-tactic', 'lunch']).code).toBe(2);
  });
  it('analyze --suggest-exceptions shows the same exception under its rule', () => {
    const r = run(['analyze', 'test/tune/golden/ci-shells.ndjson', '--suggest-exceptions']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('#### Suggested exception\n\n33 of 35 alerts would be silenced');
    expect(r.stdout).toContain("- ['\"registry.example.com/ci/gitlab-runner-helper\"', '\"bash\"']");
  });
});

describe('kb commands', () => {
  it('kb validate passes on the built-in catalogue and lists every problem of a bad one with file:line', () => {
    const ok = run(['kb', 'validate']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'fr-kb-'));
    const good = readFileSync(join(ROOT, 'rules-kb/stable/terminal-shell-in-container.yaml'), 'utf8');
    writeFileSync(join(dir, 'a.yaml'), good.replace('rule: Terminal shell in container', 'rule: Mine').replace('summary:', 'sumary: x\nsummary:'));
    writeFileSync(join(dir, 'b.yaml'), good.replace('rule: Terminal shell in container', 'rule: Other').replace('crictl inspect {{container.id}}', 'crictl inspect $(echo {{container.id}}').replace("jq -r '.items[] | select(", "jq -r '.items[] | select(.["));
    const bad = run(['kb', 'validate', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`${dir}/a\\.yaml:\\d+: unknown key "sumary"`));
    // Each at the line of its step's run.
    const b = readFileSync(join(dir, 'b.yaml'), 'utf8').split('\n');
    const at = (needle: string): number => b.findIndex((l) => l.includes(needle)) + 1;
    expect(bad.stderr).toContain(`${dir}/b.yaml:${at('crictl inspect $(echo')}: investigate[2]: bash -n:`);
    expect(bad.stderr).toContain(`${dir}/b.yaml:${at("select(.[")}: remediate[1]: jq: syntax error, unexpected`);
    expect(bad.stdout).toMatch(/1 entries checked, [2-9]\d* problems/);
    // bash -n and shellcheck over every command of 256 entries: 23-27 s alone, 38 s beside the other files.
  }, 240_000);
  it('kb validate warns, and still passes, where a pattern of yours runs on the backtracking engine', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-kb-'));
    const good = readFileSync(join(ROOT, 'rules-kb/stable/terminal-shell-in-container.yaml'), 'utf8');
    const text = good.replace('rule: Terminal shell in container', 'rule: Mine').replace(/value: '\^\(ba\|da\|z\).*'/, () => "value: '^(?!bash )sh'");
    expect(text).toContain("value: '^(?!bash )sh'");
    writeFileSync(join(dir, 'a.yaml'), text);
    const line = text.split('\n').indexOf("        value: '^(?!bash )sh'") + 1;
    const r = run(['kb', 'validate', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`falco-report: warning: ${dir}/a.yaml:${line}: benign[0]: "^(?!bash )sh" runs on V8's backtracking engine (lookaround, a backreference or a large count such as {64}; the linear-time engine runs none of them): make sure no part of it can match the same text in two ways, or a long alert value can stall the report\n`);
    expect(r.stdout).toBe('1 entries checked, 0 problems\n');
  });
});

describe('kb list, show and coverage', () => {
  it('kb list prints every entry, as text or JSON', () => {
    const json = run(['kb', 'list', '--format', 'json']);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as { rule: string; source: string; priority: string; maturity: string; mitre: string[] }[];
    expect(rows.length).toBeGreaterThanOrEqual(242);
    expect(rows.find((r) => r.rule === 'Terminal shell in container')).toMatchObject({ source: 'syscall', priority: 'Notice', maturity: 'stable', mitre: ['T1059.004', 'T1609'] });
    const text = run(['kb', 'list']);
    expect(text.stdout.split('\n')[0]).toBe('RULE\tSOURCE\tPRIORITY\tMATURITY\tMITRE');
    expect(text.stdout).toContain('Terminal shell in container\tsyscall\tNotice\tstable\tT1059.004,T1609\n');
  });
  it('kb show renders an entry with unfilled placeholders; an unknown rule is a usage error', () => {
    const r = run(['kb', 'show', 'terminal shell in container', '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Terminal shell in container\n/);
    // The command as it runs: the set-up its entry asks for with prepare, then its own part.
    expect(r.stdout).toContain(`   ${containerSetUp('container-pid', '<container.id>')} p=$(pgrep -d, --ns "$pid" --nslist pid) && ps -o`);
    expect(r.stdout).toContain('| From | built-in, rules-kb/stable/terminal-shell-in-container.yaml |');
    const none = run(['kb', 'show', 'No such rule']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no knowledge-base entry for rule "No such rule"');
  });
  it('kb coverage: 0 when all rules have entries, 1 with the missing ones listed, 2 for a broken file', () => {
    const all = run(['kb', 'coverage', '../shared/falco-rules/falco_rules.yaml', '--format', 'json']);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({ rules: 25, covered: 25, missing: [] });
    const dir = mkdtempSync(join(tmpdir(), 'fr-cov-'));
    writeFileSync(
      join(dir, 'mine.yaml'),
      ['- macro: my_macro', '  condition: proc.name = x', '- list: my_list', '  items: [a]', '- rule: My custom rule', '  desc: x', '  condition: my_macro', '  output: x', '  priority: WARNING', '- rule: Terminal shell in container', '  enabled: false', '  override:', '    enabled: replace', '- rule: Another rule', '  desc: y', '  condition: evt.type = open', '  output: y', '  priority: INFO', '  enabled: false', ''].join('\n'),
    );
    const some = run(['kb', 'coverage', join(dir, 'mine.yaml')]);
    expect(some.code).toBe(1);
    expect(some.stdout).toContain(`${join(dir, 'mine.yaml')}:5: no entry for rule "My custom rule"\n`);
    expect(some.stdout).toContain('no entry for rule "Another rule" (disabled by default)');
    // The override names a rule the user runs (from the default file): it counts, and it is covered.
    expect(some.stdout.trim().split('\n').pop()).toBe('3 rules, 1 covered, 2 missing');
    writeFileSync(join(dir, 'broken.yaml'), '- rule: x\n  desc: [unclosed\n');
    const broken = run(['kb', 'coverage', join(dir, 'broken.yaml')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.yaml:\d+: YAML: /);
  });
});
