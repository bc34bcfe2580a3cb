import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { dateFromLogTime, parseTextAlert, parseTextFields, ruleForMessage } from '../src/alert/parse-text.js';
import { fieldMeaning } from '../src/alert/field-meanings.js';
import { loadKnowledgeBase } from '../src/kb/knowledge-base.js';
import { renderMarkdown } from '../src/render/markdown.js';
import { analyze } from '../src/run.js';
import { CORPUS } from './helpers.js';

describe('plain-text alert lines', () => {
  it('reads time of day, priority, the rule from the message, and key=value fields with spaces', () => {
    const a = parseTextAlert(
      '18:22:08.037417144: Error Package management process launched (user=root command=apt-get update container_id=7a222f00f4d0 container_name=server image=kaizheh/nginx-docker)',
      'x.log',
      3,
    );
    expect(a?.priority).toBe('Error');
    expect(a?.timeOfDay).toBe('18:22:08.037417144');
    expect(a?.time).toBeUndefined();
    // Older Falco worded this rule's message differently, so the rule is named from the message itself.
    expect(a?.rule).toBe('Package management process launched');
    expect(a?.fromText).toBe(true);
    expect(a?.fields['proc.cmdline']).toBe('apt-get update');
    expect(a?.fields['container.id']).toBe('7a222f00f4d0');
    expect(a?.line).toBe(3);
  });
  it('reads a syslog prefix and a full ISO time with +0000', () => {
    const a = parseTextAlert('Feb 13 20:33:20 node-1 falco[19460]: 20:33:20.106330811: Error File below / or /root opened for writing (user=root file=/root/.zsh_history)', 'x', 1);
    expect(a?.rule).toBe('Write below root');
    expect(a?.fields['fd.name']).toBe('/root/.zsh_history');
    const b = parseTextAlert('2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)', 'x', 2);
    expect(b?.time).toBe('2016-08-04T16:17:57.881781397Z');
  });
  it('treats <NA> as unknown and names Falco internal events', () => {
    expect(parseTextFields('msg (user=<NA> command=ls)')).toEqual({ 'user.name': null, 'proc.cmdline': 'ls' });
    expect(ruleForMessage('Falco internal: syscall event drop. 9 system calls dropped in last second.').rule).toBe('Falco internal: syscall event drop');
  });
  it('does not take log lines for alerts', () => {
    expect(parseTextAlert('Wed Oct  2 10:00:00 2019: Falco initialized with configuration file /etc/falco/falco.yaml', 'x', 1)).toBeUndefined();
    expect(parseTextAlert('2020-09-14T07:43:15+0000: Falco internal: syscall event drop. 2 system calls dropped in last second.', 'x', 1)).toBeUndefined();
  });
  it("reads an official rule's fields value by value with its output format, and its source", () => {
    const a = parseTextAlert('00:40:32.000000000: Critical Detected a console login without MFA (requesting user=bob.user, requesting IP=192.0.2.24, AWS region=us-east-1)', 'x', 1);
    expect(a?.rule).toBe('Console Login Without MFA');
    expect(a?.source).toBe('aws_cloudtrail');
    // A key=value reader would have read `user` as "bob.user, requesting" and a syscall user.name.
    expect({ ...a?.fields }).toEqual({ 'ct.user': 'bob.user', 'ct.srcip': '192.0.2.24', 'ct.region': 'us-east-1' });
    const okta = parseTextAlert("13:56:59.678000000: Warning A user has denied too many MFA pushes in last 5min (user='John Doe' reason='User rejected Okta push verify' countLast300=2)", 'x', 2);
    expect({ ...okta?.fields }).toEqual({ 'okta.actor.name': 'John Doe', 'okta.reason': 'User rejected Okta push verify', 'okta.mfa.deny.countlast[300]': '2' });
    expect(okta?.source).toBe('okta');
  });
  it("reads the keys an official rule prints when the line follows an older format (a Kubernetes audit rule's user= is ka.user.name)", () => {
    const a = parseTextAlert('02:54:18.814529024: Warning Disallowed namespace created (user=system:serviceaccount:default:nova-sa ns=<NA>)', 'x', 1);
    expect(a?.rule).toBe('Create Disallowed Namespace');
    expect(a?.source).toBe('k8s_audit');
    expect({ ...a?.fields }).toEqual({ 'ka.user.name': 'system:serviceaccount:default:nova-sa', 'ka.target.name': null });
    // Falco 0.36's form of a syscall rule, `(file=... )` where today's has ` | file=...`.
    const b = parseTextAlert('2024-06-21T08:54:23.812791015+0000: Warning Sensitive file opened for reading by non-trusted program (file=/etc/shadow gparent=sudo evt_type=openat user=root process=cat command=cat /etc/shadow terminal=34826 container_id=host container_name=host)', 'x', 2);
    expect({ ...b?.fields }).toEqual({
      'fd.name': '/etc/shadow',
      'proc.aname[2]': 'sudo',
      'evt.type': 'openat',
      'user.name': 'root',
      'proc.name': 'cat',
      'proc.cmdline': 'cat /etc/shadow',
      'proc.tty': '34826',
      'container.id': 'host',
      'container.name': 'host',
    });
    // Quotes the rule puts around a value are not part of it, also when the line stops following the format.
    const c = parseTextAlert("13:56:59.678000000: Warning A user has denied too many MFA pushes in last 5min (user='John Doe' reason='no')", 'x', 3);
    expect({ ...c?.fields }).toEqual({ 'okta.actor.name': 'John Doe', 'okta.reason': 'no' });
  });
  it('names the GCP rules, whose output starts with the project, by the words after it', () => {
    const a = parseTextAlert('Jan  3 19:48:00 falco falco: 19:48:00.117403000: Notice project=project-id A GCP Pub/Sub topic has been deleted by user=user@company.com userIP=10.0.0.1', 'x', 1);
    expect(a?.rule).toBe('GCP Pub/Sub topic deleted');
    expect(a?.source).toBe('gcp_auditlog');
    expect({ ...a?.fields }).toEqual({ 'gcp.projectId': 'project-id', 'gcp.user': 'user@company.com', 'gcp.callerIP': '10.0.0.1' });
    // A message that only starts like one is not taken for it.
    expect(parseTextAlert('10:00:00.000000000: Notice project=a b A GCP Pub/Sub topic has been deleted by user=u', 'x', 2)?.rule).not.toBe('GCP Pub/Sub topic deleted');
  });
  it("takes a syslog prefix's host for the alert's hostname, and an ISO time followed by a colon for Falco's own", () => {
    expect(parseTextAlert('Feb 13 20:33:20 node-1 falco[19460]: 20:33:20.106330811: Error File below / or /root opened for writing (user=root file=/root/.zsh_history)', 'x', 1)?.hostname).toBe('node-1');
    expect(parseTextAlert('<13>2024-08-07T13:49:16Z web-3 falco: 13:49:16.1: Notice Unexpected message (user=root)', 'x', 2)?.hostname).toBe('web-3');
    const own = parseTextAlert('2024-01-01T00:00:00Z: Warning Shell: spawned (user=root)', 'x', 3);
    expect(own?.priority).toBe('Warning');
    expect(own?.hostname).toBeUndefined();
    expect(own?.time).toBe('2024-01-01T00:00:00.000000000Z');
  });
  it("reads the pairs Falco's -pk and -pc append, after the output's closing parenthesis too", () => {
    const pk = parseTextAlert('13:58:40.957866797: Error File below / or /root opened for writing (user=root command=mysql -ppassword search parent=<NA> file=/root/.mysql_history.TMP program=mysql) k8s.pod=db-0 container=b27073b986af', 'x', 1);
    expect(pk?.fields['fd.name']).toBe('/root/.mysql_history.TMP');
    expect(pk?.fields['proc.name']).toBe('mysql');
    expect(pk?.fields['k8s.pod.name']).toBe('db-0');
    expect(pk?.fields['container.id']).toBe('b27073b986af');
    const pc = parseTextAlert('Warning Sensitive file opened for reading by non-trusted program (user=root command=cmp -s shadow.bak /etc/shadow file=/etc/shadow) container=web (id=0123456789ab)', 'x', 2);
    expect(pc?.fields['fd.name']).toBe('/etc/shadow');
    expect(pc?.fields['container.id']).toBe('0123456789ab');
    expect(pc?.fields['container.name']).toBe('web');
    // A value's own parentheses stay.
    expect(parseTextFields('Shell (user=root command=sh -c (id))')['proc.cmdline']).toBe('sh -c (id)');
    // Today's format ends with a field: appended pairs end its value.
    const today = parseTextAlert(
      '10:00:00.000000000: Notice A shell was spawned in a container with an attached terminal | evt_type=execve user=root user_uid=0 user_loginuid=-1 process=bash proc_exepath=/bin/bash parent=runc command=bash -il terminal=34816 exe_flags=EXE_WRITABLE container_id=0123456789ab container_name=web',
      'x',
      3,
    );
    expect(today?.fields['evt.arg.flags']).toBe('EXE_WRITABLE');
    expect(today?.fields['proc.cmdline']).toBe('bash -il');
    expect(today?.fields['container.id']).toBe('0123456789ab');
    expect(today?.fields['container.name']).toBe('web');
  });
  it("reads a Falco internal event's pairs under their own names, as its JSON form has them", () => {
    const a = parseTextAlert('18:43:37.970973376: Critical Falco internal: syscall event drop. 9 system calls dropped in last second. (ebpf_enabled=0 n_drops=9 n_drops_buffer=0 n_evts=15232)', 'x', 1);
    expect(a?.source).toBe('internal');
    expect({ ...a?.fields }).toEqual({ ebpf_enabled: '0', n_drops: '9', n_drops_buffer: '0', n_evts: '15232' });
  });
  it("gives a meaning for every counter of Falco's drop notices in the corpus, text and JSON", () => {
    const keys = new Set<string>();
    const text = readFileSync(`${CORPUS}public-text-alerts.log`, 'utf8').split('\n');
    text.forEach((l, i) => {
      const a = l.includes('Falco internal: syscall event drop') ? parseTextAlert(l, 'x', i + 1) : undefined;
      for (const k of Object.keys(a?.fields ?? {})) keys.add(k);
    });
    for (const l of readFileSync(`${CORPUS}public-alerts.jsonl`, 'utf8').split('\n')) {
      if (!l.includes('syscall event drop')) continue;
      for (const k of Object.keys((JSON.parse(l) as { output_fields?: object }).output_fields ?? {})) keys.add(k);
    }
    // One published sample has mangled names (`ebpf/enabled`): only Falco's own spellings are counters.
    const counters = [...keys].filter((k) => /^[a-z_]+$/.test(k));
    expect(counters.length).toBeGreaterThan(8);
    expect(counters.filter((k) => fieldMeaning(k) === undefined)).toEqual([]);
  });
  it('reads text lines behind kubectl --prefix, kubectl --timestamps and a CRI log file prefix', () => {
    const body = 'Warning Sensitive file opened for reading by non-trusted program | file=/etc/shadow process=cat';
    for (const line of [
      `[pod/falco-abc12/falco] 10:00:00.1: ${body}`,
      `2024-08-07T10:00:00.2Z 10:00:00.1: ${body}`,
      `2024-08-07T10:00:00.2Z stdout F 10:00:00.1: ${body}`,
      `[pod/falco-abc12/falco] 2024-08-07T10:00:00.2Z 10:00:00.1: ${body}`,
    ]) {
      const a = parseTextAlert(line, 'x', 1);
      expect(a?.rule, line).toBe('Read sensitive file untrusted');
      expect(a?.fields['fd.name'], line).toBe('/etc/shadow');
      // The Falco pod's name is not the node's: no hostname from it.
      expect(a?.hostname, line).toBeUndefined();
      // The output is what Falco printed, without what the transport put in front.
      expect(a?.output, line).toBe(`10:00:00.1: ${body}`);
    }
    expect(parseTextAlert(`Feb 13 20:33:20 node-1 falco[19460]: 20:33:20.1: ${body}`, 'x', 1)?.output).toBe(`20:33:20.1: ${body}`);
    // Falco's own ISO time is followed by a colon, not taken for a collector's.
    expect(parseTextAlert(`2024-08-07T10:00:00.100000000+0000: ${body}`, 'x', 1)?.time).toBe('2024-08-07T10:00:00.100000000Z');
  });
  it("dates a time of day from the collector's time when the two agree, and leaves it undated when they do not", () => {
    const body = 'Warning Sensitive file opened for reading by non-trusted program | file=/etc/shadow process=cat';
    expect(parseTextAlert(`2024-08-07T10:00:01.523Z 10:00:01.123456789: ${body}`, 'x', 1)).toMatchObject({ time: '2024-08-07T10:00:01.123456789Z', timeMs: Date.parse('2024-08-07T10:00:01.123Z') });
    // Written just after midnight: the alert is of the day before.
    expect(parseTextAlert(`2024-08-08T00:00:00.5Z stdout F 23:59:59.9: ${body}`, 'x', 2)?.time).toBe('2024-08-07T23:59:59.900000000Z');
    // An ISO syslog time dates it too, and names the host.
    expect(parseTextAlert(`2024-08-07T13:49:16Z node-3 falco[7]: 13:49:16.1: ${body}`, 'x', 3)).toMatchObject({ time: '2024-08-07T13:49:16.100000000Z', hostname: 'node-3' });
    // Two hours apart (Falco in another time zone): no date rather than a wrong one.
    const apart = parseTextAlert(`2024-08-07T13:49:16Z stdout F 15:49:16.1: ${body}`, 'x', 4);
    expect(apart?.time).toBeUndefined();
    expect(apart?.timeOfDay).toBe('15:49:16.1');
    expect(dateFromLogTime('2024-08-07T10:06:00Z', '10:00:00.0')).toBeUndefined();
    expect(dateFromLogTime('2024-08-07T10:04:59Z', '10:00:00.0')?.time).toBe('2024-08-07T10:00:00.000000000Z');
    expect(dateFromLogTime('2024-08-07T09:59:30Z', '10:00:00.0')?.time).toBe('2024-08-07T10:00:00.000000000Z');
    expect(dateFromLogTime('2024-08-07T09:58:30Z', '10:00:00.0')).toBeUndefined();
    expect(dateFromLogTime('2024-08-07T10:00:00+02:00', '08:00:00.5')?.time).toBe('2024-08-07T08:00:00.500000000Z');
    expect(dateFromLogTime('2024-08-07T10:00:00Z', '25:00:00.0')).toBeUndefined();
  });
  it("joins a text line a CRI log file split into pieces, and dates it from the first piece's time", async () => {
    const t = '2024-08-07T10:00:00.2Z';
    const input = `${t} stdout P 10:00:00.1: Warning Sensitive file opened for reading by non-trusted program | file=/etc/sh\n${t} stdout F adow process=cat\n`;
    const report = await analyze({ sources: ['-'], maxRecordBytes: 1 << 20 }, await loadKnowledgeBase(), Readable.from([input]));
    expect(report.input).toMatchObject({ records: 1, accepted: 1, skipped: 0 });
    const g = report.groups[0];
    expect(g?.rule).toBe('Read sensitive file untrusted');
    expect(g?.sample.fields['fd.name']).toBe('/etc/shadow');
    expect(g?.sample.time).toBe('2024-08-07T10:00:00.100000000Z');
  });
  it("gives a rule seen only in undated text lines the times of day of its first and last alerts, in arrival order", async () => {
    const body = 'Warning Sensitive file opened for reading by non-trusted program | file=/etc/shadow process=cat';
    const input = `15:00:00.1: ${body}\n09:00:00.2: ${body}\n2024-01-01T00:00:00.000000000+0000: Notice Disallowed namespace created (user=u ns=x)\n`;
    const report = await analyze({ sources: ['-'], maxRecordBytes: 1 << 20 }, await loadKnowledgeBase(), Readable.from([input]));
    const read = report.groups.find((g) => g.rule === 'Read sensitive file untrusted');
    expect([read?.firstSeen, read?.firstTimeOfDay, read?.lastTimeOfDay]).toEqual([undefined, '15:00:00.1', '09:00:00.2']);
    const dated = report.groups.find((g) => g.rule === 'Create Disallowed Namespace');
    expect(dated?.firstSeen).toBe('2024-01-01T00:00:00.000000000Z');
    expect(dated).not.toHaveProperty('firstTimeOfDay');
    const md = renderMarkdown(report, { version: 't', width: 100, color: false });
    expect(md).toContain('| Warning | Read sensitive file untrusted | 2 | 15:00:00.1 (no date) | 09:00:00.2 (no date) |');
    expect(md).toContain('| Seen | 2 times, 15:00:00.1 to 09:00:00.2 (no date) |');
  });
  it('turns most corpus text lines into alerts and leaves the non-alert ones', () => {
    const lines = readFileSync(`${CORPUS}public-text-alerts.log`, 'utf8').split('\n');
    const results = lines.map((l, i) => (l.trim() ? parseTextAlert(l, 'public-text-alerts.log', i + 1) : null)).filter((x) => x !== null);
    expect(results.length).toBe(38);
    const skipped = results.map((r, i) => (r ? 0 : i + 1)).filter((n) => n > 0);
    // Line 7: a Falco log line; 26: a log line and an alert glued together; 38: Falco 0.1 syslog text without a priority.
    expect(skipped).toEqual([7, 26, 38]);
  });
});
