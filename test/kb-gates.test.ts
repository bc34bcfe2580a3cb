// The KB gates over every built-in entry: schema, fields, ATT&CK, snippets, quoting, bash -n, shellcheck, jq.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCommands, wordsFrom } from '../src/kb/check-commands.js';
import { loadCatalogue } from '../src/kb/load-kb.js';
import { readRulesFiles } from '../src/kb/coverage.js';
import { normaliseRuleName } from '../src/kb/knowledge-base.js';
import { PREPARE } from '../src/kb/schema.js';
import { ROOT, RULES } from './helpers.js';

const { entries, problems } = loadCatalogue(`${ROOT}rules-kb`, 'built-in', 'rules-kb');

interface IndexRule {
  name: string;
  file: string;
  priority: string;
  source: string;
  tags: string[];
  output_fields: string[];
}
/** Every command step of the catalogue, with its entry and section, and how a failure names it. */
const steps = entries.flatMap((e) => [...e.investigate.map((c) => ({ e, c, section: 'investigate' })), ...e.remediate.map((c) => ({ e, c, section: 'remediate' }))]);
const named = ({ e, c }: (typeof steps)[number]): string => `${e.file}: ${c.title}`;
const index = (JSON.parse(readFileSync(`${RULES}index.json`, 'utf8')) as { rules: IndexRule[] }).rules;

describe('built-in knowledge base', () => {
  it('passes the schema and every static gate', () => {
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([]);
    expect(entries.length).toBeGreaterThanOrEqual(242);
  });
  it('every command parses with bash -n, passes shellcheck and holds only jq programs that compile (filled with sample values)', () => {
    const shell = checkCommands(entries);
    expect(shell.skipped).toEqual([]);
    expect(shell.problems.map((p) => `${p.file}: ${p.message}`)).toEqual([]);
  }, 240_000);
  it('takes github.repo.name as owner/name, as the github plugin gives it (the URL without https://github.com/)', () => {
    // repos/{{github.owner}}/{{github.repo.name}} asked the API for repos/OWNER/OWNER/NAME.
    const doubled = steps.filter(({ c }) => /\{\{\s*github\.(owner|org)\s*\}\}\/\{\{\s*github\.repo\.name\b/.test(c.run)).map(named);
    expect(doubled).toEqual([]);
    const uses = steps.filter(({ c }) => /repos\/\{\{\s*github\.repo\.name/.test(c.run));
    expect(uses.length).toBeGreaterThan(5);
  });
  it('a step that stops when a name is ambiguous says so in its explanation', () => {
    // Okta display names and group names are not unique; a look-up that finds several ids stops with jq's
    // error() instead of acting on one of them, and the reader must know why and what to do then.
    const lookups = steps.filter(({ c }) => /error\("expected one /.test(c.run));
    expect(lookups.length).toBeGreaterThanOrEqual(40);
    const silent = lookups.filter(({ c }) => !/goes on only when (exactly one|these events name exactly one)\b.*\bstops and prints (their|the) ids/s.test(c.explain));
    expect(silent.map(named)).toEqual([]);
    // ...and the stop stops the command: what comes after the look-up is joined by && only. With a `;`, a
    // failed look-up left $id empty and the next call still ran (DELETE /api/v1/users//roles/...).
    const goesOn = lookups.filter(({ c }) => {
      const ends = [...c.run.matchAll(/ end'\)/g)].map((m) => m.index + m[0].length);
      if (ends.length === 0 || ends.some((k) => !c.run.startsWith(' && ', k))) return true;
      const rest = c.run.slice(ends.at(-1)).replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, '""');
      return /[;\n]|\|\||(^|[^&])&(?!&)/.test(rest);
    });
    expect(goesOn.map(named)).toEqual([]);
    // A look-up that reads nothing (the API call failed, or an unset OKTA_DOMAIN stopped it) printed nothing
    // and exited 0, so the call after && still ran with an empty $id (jq 1.6 exits 0 then even with -e): the
    // look-up reads its input with -n and first(inputs), and stops when there is none.
    const lenient = lookups.filter(({ c }) => !/\bjq -[a-z]*n[a-z]*( --arg \w+ "\$\w+")* 'first\(inputs\) \/\/ error\("[^"]+"\) \| \[[^']*error\("expected one /.test(c.run));
    expect(lenient.map(named)).toEqual([]);
  });
  it('kills by name only within a PID namespace the step chose', () => {
    // A process name from an alert matches same-named processes of every container on the node (and the
    // node's own): pkill keeps to the alert's container, or to the node's processes (--ns 1), with --nslist pid.
    const kills = steps.filter(({ c, section }) => section === 'remediate' && /\bpkill\b/.test(c.run));
    expect(kills.length).toBeGreaterThanOrEqual(7);
    expect(kills.filter(({ c }) => !/\bpkill\b[^;|&]*--ns "?(\$pid|1)"? --nslist pid\b/.test(c.run)).map(named)).toEqual([]);
  });
  it('lists processes by name only within a PID namespace, but for the two steps that look node-wide on purpose', () => {
    // pgrep -x NAME on the node matches same-named processes of every container: a shell or python of another
    // pod came up among the alert's. The generic entries did that until 2026-12-08.
    const byName = steps.filter(({ c }) => /\bpgrep\b[^;|&)]* -x\b/.test(c.run));
    expect(byName.length).toBeGreaterThanOrEqual(40);
    const nodeWide = byName.filter(({ c }) => !/\bpgrep\b[^;|&)]*--ns "?(\$pid|1)"? --nslist pid\b/.test(c.run)).map(named);
    // setns callers are often the node's own (runc, nsenter) joining a container, so every process of the name is
    // shown next to PID 1's namespaces; an eBPF loader is killed only when it is the one process of its name.
    expect(nodeWide).toEqual([
      'rules-kb/incubating/bpf-program-not-profiled.yaml: Stop the unknown loader',
      'rules-kb/incubating/change-thread-namespace.yaml: Show the namespaces of every process of that name next to the node\'s init',
    ]);
  });
  it("goes on after a look-up through a cluster or cloud API only when the look-up succeeded", () => {
    // `sa=$(kubectl get pod ...); kubectl patch serviceaccount "$sa"` ran the second call with an empty name when
    // the pod was gone, and an empty export URI had gcloud describe `gs://`: what follows a look-up is joined by &&.
    const lookUps = steps.flatMap(({ e, c, section }) =>
      [...c.run.matchAll(/\b\w+=\$(?=\((kubectl|aws|gcloud|gh|curl)\b)/g)].map((m) => {
        // The assignment word as bash reads it, its substitution kept as written (nothing around it is quoted).
        const [word = ''] = wordsFrom(c.run, m.index);
        return { e, c, section, rest: c.run.slice(m.index + word.length) };
      }),
    );
    expect(lookUps.length).toBeGreaterThanOrEqual(55);
    // ...or a case over the value whose last branch says what to do when it is empty.
    const handled = (rest: string): boolean => rest.startsWith(' && ') || /^; case "\$\w+" in .*\*\) echo "[^"]+" >&2 ;; esac$/.test(rest);
    expect(lookUps.filter(({ rest }) => !handled(rest)).map((l) => `${named(l)}: ${l.rest.slice(0, 40)}`)).toEqual([]);
  });
  it("reads the API server's audit log from AUDIT_LOG, with kubeadm's path when it is unset", () => {
    // Eight steps read a fixed /var/log/kubernetes/audit.log, a path no guide uses, while the others honoured AUDIT_LOG.
    const reading = steps.filter(({ c }) => /\/var\/log\/kubernetes\b|\bAUDIT_LOG\b/.test(c.run));
    expect(reading.length).toBeGreaterThanOrEqual(80);
    const fixed = reading.filter(({ c }) => c.run.replaceAll('"${AUDIT_LOG:-/var/log/kubernetes/audit/audit.log}"', '').match(/\/var\/log\/kubernetes\b|\bAUDIT_LOG\b/));
    expect(fixed.map(named)).toEqual([]);
    expect(reading.filter(({ c }) => !/\bset AUDIT_LOG\b/i.test(c.explain)).map(named)).toEqual([]);
  });
  it('stops with a message where a command reads a variable the user sets and it is unset', () => {
    // `kubectl delete clusterrolebinding "$BINDING"` or `velero restore create --from-backup "$BACKUP"` ran
    // with an empty name: the first use of such a variable is ${VAR:?what to set it to} (or ${VAR:-default}).
    const unguarded = steps.flatMap((step) => {
      const run = step.c.run.replace(/'[^']*'/g, "''");
      const firsts = new Map<string, string>();
      for (const [use, name = ''] of run.matchAll(/\$\{?([A-Z][A-Z0-9_]*)(:[?-])?/g)) if (!firsts.has(name)) firsts.set(name, use);
      const guarded = (use: string): boolean => use.startsWith('${') && /:[?-]$/.test(use);
      const assigned = (name: string): boolean => new RegExp(`\\b${name}=`).test(run);
      return [...firsts].filter(([name, use]) => !guarded(use) && !assigned(name)).map(([name]) => `${named(step)}: ${name}`);
    });
    expect(unguarded).toEqual([]);
  });
  it("looks a container's first process up only through prepare", () => {
    // One written form of the look-up (PREPARE), with its host-event and gone-container cases, instead of
    // a hand-made copy in each step that may lack them (crictl inspect host fails, and "$pid" was empty).
    // The container set-ups only: okta-api, which came later, would otherwise count toward the 130.
    const containerSetUps = [PREPARE['container-pid'], PREPARE['container-root']];
    const setUpOf = (run: string): string | undefined => containerSetUps.find((p) => run.startsWith(p));
    const own = steps.filter(({ c }) => /\b(crictl|docker) inspect\b[^;]*(\.info\??\.pid|\.State\.Pid)\b/.test(c.run.slice(setUpOf(c.run)?.length ?? 0)));
    expect(own.map(named)).toEqual([]);
    expect(steps.filter(({ c }) => setUpOf(c.run) !== undefined).length).toBeGreaterThanOrEqual(130);
  });
  it("calls Okta's API only after the set-up that checks OKTA_DOMAIN and OKTA_API_TOKEN", () => {
    // Without it an unset OKTA_DOMAIN made curl call https:///api/v1/..., and a look-up that read nothing let the
    // call after it run with an empty id.
    const okta = steps.filter(({ c }) => /\$\{?OKTA_(DOMAIN|API_TOKEN)\b/.test(c.run));
    expect(okta.length).toBeGreaterThanOrEqual(90);
    expect(okta.filter(({ c }) => !c.run.startsWith(PREPARE['okta-api'])).map(named)).toEqual([]);
  });
  it('has an entry for every official rule, with the facts of index.json', () => {
    const byName = new Map(entries.filter((e) => e.kind === 'rule').map((e) => [normaliseRuleName(e.rule), e]));
    const missing: string[] = [];
    const wrong: string[] = [];
    for (const r of index) {
      const e = byName.get(normaliseRuleName(r.name));
      if (!e) {
        missing.push(r.name);
        continue;
      }
      // The GKE file overrides Disallowed K8s User without restating its facts; the entry follows the main file.
      if (r.file === 'k8s_audit_rules_gke.yaml') continue;
      if (e.priority !== r.priority) wrong.push(`${r.name}: priority ${e.priority} vs ${r.priority}`);
      if (e.source !== r.source) wrong.push(`${r.name}: source ${e.source} vs ${r.source}`);
      if ([...e.tags].sort().join() !== [...r.tags].sort().join()) wrong.push(`${r.name}: tags`);
    }
    expect(missing).toEqual([]);
    expect(wrong).toEqual([]);
  });
  it('kb coverage reads every shared rules file and finds nothing missing', () => {
    const files = [...new Set(index.map((r) => `${RULES}${r.file}`))];
    const { rules, problems: p } = readRulesFiles(files);
    expect(p).toEqual([]);
    expect(rules.length).toBe(new Set(index.map((r) => r.name)).size);
    const names = new Set(entries.flatMap((e) => [e.rule, ...e.aliases].map(normaliseRuleName)));
    expect(rules.filter((r) => !names.has(normaliseRuleName(r.name))).map((r) => r.name)).toEqual([]);
  });
  it('each entry claims its rule once, and tuning names macros or lists the rules files define', () => {
    const defined = new Set<string>();
    for (const f of new Set(index.map((r) => r.file))) {
      // `- macro: name`, or `- name: ...`-less forms where `macro:` sits on the item's second line.
      for (const m of readFileSync(`${RULES}${f}`, 'utf8').matchAll(/^(?:- |  )(?:macro|list): (.+)$/gm)) defined.add((m[1] as string).trim());
    }
    const unknown = entries.flatMap((e) => [...(e.tuning?.macros ?? []), ...(e.tuning?.lists ?? [])].filter((n) => !defined.has(n)).map((n) => `${e.file}: ${n}`));
    expect(unknown).toEqual([]);
  });
});
