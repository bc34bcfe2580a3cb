import { beforeAll, describe, expect, it } from 'vitest';
import { enrich } from '../src/enrich/enrich.js';
import { loadKnowledgeBase, type KnowledgeBase } from '../src/kb/knowledge-base.js';
import { cachedMatcher } from '../src/kb/match-entry.js';
import { markdownFoldLine, terminalCard, terminalFoldLine } from '../src/render/card.js';
import { alertFrom, containerSetUp } from './helpers.js';

/** The built-in catalogue, read once for the file. */
let kb: KnowledgeBase;
beforeAll(async () => {
  kb = await loadKnowledgeBase();
});

describe('the counter line for folded repeats', () => {
  const folded = (firstMs: number, lastMs: number) => ({ rule: 'Terminal shell in container', where: 'checkout (a1b2c3d4e5f6)', count: 4, firstMs, lastMs });
  it('says how long the repeats went on, and "within 1s" rather than "over 0s" for a burst', () => {
    expect(markdownFoldLine(folded(1000, 1400))).toBe('  - 4 more Terminal shell in container in checkout (a1b2c3d4e5f6) folded (within 1s)\n');
    expect(markdownFoldLine(folded(1000, 13_600))).toBe('  - 4 more Terminal shell in container in checkout (a1b2c3d4e5f6) folded (over 13s)\n');
    expect(terminalFoldLine(folded(0, 999), { version: '0.1.0', color: false, width: 100 })).toBe('  ↳ 4 more "Terminal shell in container" in checkout (a1b2c3d4e5f6) folded (within 1s)\n');
    expect(terminalFoldLine(folded(0, 2500), { version: '0.1.0', color: false, width: 100 })).toBe('  ↳ 4 more "Terminal shell in container" in checkout (a1b2c3d4e5f6) folded (over 3s)\n');
  });
});

describe('the next step of a card', () => {
  const card = async (fields: Record<string, unknown>): Promise<string> => {
    const a = alertFrom({ rule: 'Delete or rename shell history', priority: 'Warning', time: '2026-11-27T09:12:04.800123457Z', source: 'syscall', hostname: 'node-1', output_fields: fields });
    return terminalCard(enrich(a, cachedMatcher(kb)(a)), { version: '0.1.0', color: false, width: 100 });
  };
  it('is the first investigation step the alert has every value for', async () => {
    // The entry's first step needs fd.name; this unlink event has none, but it has user.name for the second.
    const text = await card({ 'proc.name': 'zsh', 'user.name': 'matt', 'fd.name': null, 'evt.type': 'unlinkat', 'container.id': 'host' });
    expect(text).toContain('next  h=$(getent passwd matt | cut -d: -f6);');
    expect(text).not.toContain('<fd.name>');
  });
  it('is the first step when the alert has the values of the first', async () => {
    // A host event: the file is the node's own (for a container, the step reads it through the container's root).
    const text = await card({ 'proc.name': 'zsh', 'user.name': 'matt', 'fd.name': '/home/matt/.zsh_history', 'container.id': 'host' });
    expect(text).toContain(
      `next  ${containerSetUp('container-root', 'host')} ls -la --time-style=full-iso "$r"/home/matt/.zsh_history && wc -l "$r"/home/matt/.zsh_history`,
    );
  });
  it('passes over a step whose value the command would take for an option', async () => {
    // fd.name `-rf` would be an option of ls in the first step: the card moves on to the second.
    const text = await card({ 'proc.name': 'zsh', 'user.name': 'matt', 'fd.name': '-rf', 'container.id': 'host' });
    expect(text).toContain('next  h=$(getent passwd matt | cut -d: -f6);');
    expect(text).not.toContain("'-rf'");
  });
  it('is the first step, placeholders and all, when no step has all its values', async () => {
    const text = await card({ 'proc.name': 'zsh' });
    expect(text).toContain(`next  ${containerSetUp('container-root', '<container.id>')} ls -la --time-style=full-iso "$r"<fd.name> && wc -l "$r"<fd.name>`);
  });
});

describe('what a card says happened', () => {
  const card = (alert: Record<string, unknown>): string => {
    const a = alertFrom({ time: '2026-11-27T09:12:04.800123457Z', hostname: 'node-1', ...alert });
    return terminalCard(enrich(a, cachedMatcher(kb)(a)), { version: '0.1.0', color: false, width: 120 });
  };
  it('for an audit log: the verb and the target, the user being on its own line', () => {
    const text = card({
      rule: 'Attach/Exec Pod',
      priority: 'Notice',
      source: 'k8s_audit',
      output_fields: { 'ka.user.name': 'kubernetes-admin', 'ka.verb': 'create', 'ka.target.resource': 'pods', 'ka.target.subresource': 'exec', 'ka.target.namespace': 'hello-app', 'ka.target.name': 'nginx-676b6c5bbc-4xc6t' },
    });
    expect(text).toContain('  who   kubernetes-admin\n');
    expect(text).toContain('  what  create pods/exec hello-app/nginx-676b6c5bbc-4xc6t\n');
  });
  it('for a Falco notice without a process: its output, less the time, priority and rule name', () => {
    const text = card({
      rule: 'Falco internal: syscall event drop',
      priority: 'Debug',
      output: '03:03:03.000000000: Debug Falco internal: syscall event drop. 815508 system calls dropped in last second.',
      output_fields: {},
    });
    expect(text).toContain('  what  815508 system calls dropped in last second.\n');
  });
  it('an output that starts with the rule name: the rest of it', () => {
    const text = card({ rule: 'K8s Audit Event Detected', priority: 'Debug', output: '10:52:03.348668000: Debug K8s Audit Event Detected: verb=create, user=aksService', output_fields: {} });
    expect(text).toContain('  what  verb=create, user=aksService\n');
    expect(card({ rule: 'Custom notice', priority: 'Notice', output: '10:52:03.348668000: Notice Custom notice', output_fields: {} })).not.toContain('  what');
  });
  it('nothing that the card says already: a summary that is only the user or a place is left out', () => {
    const text = card({ rule: 'GCP Bucket configured to be public', priority: 'Critical', source: 'gcp_auditlog', output_fields: { 'gcp.user': 'ahmed.amin@test.com' } });
    expect(text).toContain('  who   ahmed.amin@test.com\n');
    expect(text).not.toContain('  what');
  });
  it('for a process: its command line and parent, as before', () => {
    const text = card({ rule: 'Terminal shell in container', priority: 'Notice', source: 'syscall', output_fields: { 'proc.cmdline': 'bash -il', 'proc.pname': 'runc', 'user.name': 'root' } });
    expect(text).toContain('  what  bash -il (parent runc)\n');
  });
});
