import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTextAlert, parseTextFields, ruleForMessage } from '../src/alert/parse-text.js';
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
  it('turns most corpus text lines into alerts and leaves the non-alert ones', () => {
    const lines = readFileSync(`${CORPUS}public-text-alerts.log`, 'utf8').split('\n');
    const results = lines.map((l, i) => (l.trim() ? parseTextAlert(l, 'public-text-alerts.log', i + 1) : null)).filter((x) => x !== null);
    expect(results.length).toBe(38);
    const skipped = results.map((r, i) => (r ? 0 : i + 1)).filter((n) => n > 0);
    // Line 7: a Falco log line; 26: a log line and an alert glued together; 38: Falco 0.1 syslog text without a priority.
    expect(skipped).toEqual([7, 26, 38]);
  });
});
