// Look-back windows: commands that count back from when they run say until when they reach the alert.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lookBackOf, reachesUntil } from '../src/enrich/look-back.js';
import { loadKnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadCatalogue } from '../src/kb/load-kb.js';
import { renderJson } from '../src/render/json.js';
import { renderMarkdown } from '../src/render/markdown.js';
import { analyze } from '../src/run.js';
import { ROOT } from './helpers.js';

describe('look-back windows of KB commands', () => {
  it('reads each form the KB writes, with how far back it reaches', () => {
    expect(lookBackOf("kubectl logs -n shop web --all-containers --since=1h | tail -n 200")).toEqual({ text: '--since=1h', seconds: 3600 });
    expect(lookBackOf('gcloud logging read "x" --freshness=7d --limit 20')).toEqual({ text: '--freshness=7d', seconds: 7 * 86_400 });
    expect(lookBackOf('journalctl _COMM=sshd --since "2 hours ago"')).toEqual({ text: '"2 hours ago"', seconds: 7200 });
    expect(lookBackOf("find /tmp -newerct '24 hours ago' -ls")).toEqual({ text: "'24 hours ago'", seconds: 86_400 });
    expect(lookBackOf("aws cloudtrail lookup-events --start-time \"$(date -u -d '1 day ago' +%FT%TZ)\"")).toEqual({ text: "'1 day ago'", seconds: 86_400 });
    expect(lookBackOf('find /etc -xdev -newermt "-2 hours" -ls')).toEqual({ text: '"-2 hours"', seconds: 7200 });
    expect(lookBackOf('journalctl -t useradd --since yesterday')).toEqual({ text: '--since yesterday', seconds: 86_400 });
    expect(lookBackOf('ausearch -f /etc/shadow -ts today -i')).toEqual({ text: '-ts today', seconds: null });
    // The narrowest window is the one that decides.
    expect(lookBackOf('journalctl --since "1 day ago"; kubectl logs p --since=2h')).toEqual({ text: '--since=2h', seconds: 7200 });
    expect(lookBackOf('kubectl logs p --tail=200')).toBeUndefined();
    expect(lookBackOf('last -n 20')).toBeUndefined();
  });

  it('gives the last second at which the window still reaches the alert, rounded down', () => {
    const alertMs = Date.parse('2026-11-27T09:12:20.750Z');
    expect(reachesUntil({ text: '--since=2h', seconds: 7200 }, alertMs)).toBe('2026-11-27T11:12:20Z');
    expect(reachesUntil({ text: '-ts today', seconds: null }, alertMs)).toBeUndefined();
    expect(reachesUntil({ text: '--since=2h', seconds: 7200 }, undefined)).toBeUndefined();
  });

  it('finds a window in every built-in command that writes one', () => {
    // Words that say a command counts back in time; each command holding one must have a window read.
    const timeWords = /\bago\b|--since|--freshness|\btoday\b|\byesterday\b|-newer[a-z]{2}\b|-m(?:min|time) -/;
    const { entries } = loadCatalogue(`${ROOT}rules-kb`, 'built-in', 'rules-kb');
    const missed: string[] = [];
    let windows = 0;
    for (const e of entries) {
      for (const step of [...e.investigate, ...e.remediate]) {
        if (!timeWords.test(step.run)) continue;
        if (lookBackOf(step.run)) windows++;
        else missed.push(`${e.rule}: ${step.title}`);
      }
    }
    expect(missed).toEqual([]);
    expect(windows).toBeGreaterThan(100);
  });
});

describe('look-back notes in reports', () => {
  const line = (time?: string): string =>
    JSON.stringify({
      rule: 'Read sensitive file untrusted',
      priority: 'Warning',
      ...(time ? { time } : {}),
      source: 'syscall',
      output_fields: { 'fd.name': '/etc/shadow', 'proc.name': 'cat', 'container.id': 'host', 'user.name': 'root' },
    });
  const report = async (text: string) => analyze({ sources: ['-'], maxRecordBytes: 1 << 20 }, await loadKnowledgeBase(), Readable.from([text]));

  it('say in Markdown until when a window reaches the alert the commands are filled from', async () => {
    const md = renderMarkdown(await report(`${line('2026-11-27T09:12:20.5Z')}\n`), { version: 't', width: 100, color: false });
    expect(md).toContain(
      "   `-ts today` starts at midnight of the day you run the command: it reaches this alert (2026-11-27T09:12:20.500000000Z) only on that day (the host's date); later, start it at the alert's date.",
    );
    // The note follows the command it is about.
    expect(md.indexOf('`-ts today` starts')).toBeGreaterThan(md.indexOf('ausearch -f /etc/shadow -ts today -i'));
    const shell = JSON.stringify({ rule: 'Reverse Shell from Web Server', priority: 'Warning', time: '2026-11-27T09:00:00Z', source: 'syscall', output_fields: { 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-1', 'container.id': 'c0ffee000001' } });
    const md2 = renderMarkdown(await report(`${shell}\n`), { version: 't', width: 100, color: false });
    expect(md2).toContain('   `--since=1h` counts back from when you run the command: it reaches this alert (2026-11-27T09:00:00.000000000Z) only if run before 2026-11-27T10:00:00Z; later, widen it.');
  });

  it('are left out when the alert has no date, and JSON gives the window with null for the moment', async () => {
    const md = renderMarkdown(await report(`${line()}\n`), { version: 't', width: 100, color: false });
    expect(md).toContain('ausearch -f /etc/shadow -ts today -i');
    expect(md).not.toContain('starts at midnight');
    const json = JSON.parse(renderJson(await report(`${line('2026-11-27T09:12:20Z')}\n`), { version: 't', width: 100, color: false })) as {
      groups: { match: { entry: { investigate: { command: string; lookBack?: unknown }[] } } }[];
    };
    const steps = json.groups[0]?.match.entry.investigate ?? [];
    expect(steps.find((s) => s.command.includes('ausearch'))?.lookBack).toEqual({ text: '-ts today', seconds: null, reachesAlertUntil: null });
    expect(steps.find((s) => s.command === 'last -n 20')).not.toHaveProperty('lookBack');
  });
});
