// Falco's plain-text alert lines (`13:40:44.385152581: Warning Shell spawned ...`) become alerts marked as from text.
import { RULE_MESSAGES } from '../kb/generated/rule-messages.js';
import type { Alert, FieldValue } from './alert.js';
import { normaliseTime } from './alert.js';
import { parsePriority } from './priority.js';

// An optional syslog prefix: `<5>`, then `Feb 13 20:33:20 host prog[pid]: ` or `2024-08-07T13:49:16Z host prog[pid]: `.
const SYSLOG = /^(?:<\d{1,3}>)?(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ [\w./-]+(?:\[\d+\])?: /;
const TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?|\d\d:\d\d:\d\d\.\d+): /;
const PRIORITY = /^(Emergency|Alert|Critical|Error|Warning|Notice|Informational|Info|Debug) (\S.*)$/;

/** Text keys Falco's default outputs use, mapped to the fields they print. */
const TEXT_KEYS: Readonly<Record<string, string>> = {
  user: 'user.name',
  user_uid: 'user.uid',
  user_loginuid: 'user.loginuid',
  command: 'proc.cmdline',
  cmdline: 'proc.cmdline',
  process: 'proc.name',
  program: 'proc.name',
  proc_exepath: 'proc.exepath',
  parent: 'proc.pname',
  pcmdline: 'proc.pcmdline',
  pid: 'proc.pid',
  file: 'fd.name',
  connection: 'fd.name',
  terminal: 'proc.tty',
  container_id: 'container.id',
  container_name: 'container.name',
  container_image: 'container.image.repository',
  image: 'container.image.repository',
  container_image_tag: 'container.image.tag',
  'k8s.ns': 'k8s.ns.name',
  k8s_ns: 'k8s.ns.name',
  'k8s.pod': 'k8s.pod.name',
  k8s_pod_name: 'k8s.pod.name',
  evt_type: 'evt.type',
  exe_flags: 'evt.arg.flags',
};

/** Longest first, so that the most specific message wins. */
const BY_LENGTH = [...RULE_MESSAGES].sort((a, b) => b[0].length - a[0].length);

const PAIR_START = /(?:^|\s)([A-Za-z_][\w.\[\]]*)=/g;

/** Reads `key=value` pairs; a value runs until the next ` key=`, so values may hold spaces. */
export function parseTextFields(message: string): Record<string, FieldValue> {
  const fields = Object.create(null) as Record<string, FieldValue>;
  const open = message.indexOf('(');
  const close = message.lastIndexOf(')');
  const body = open >= 0 && close > open ? message.slice(open + 1, close) : message;
  const starts = [...body.matchAll(PAIR_START)];
  starts.forEach((m, i) => {
    const key = m[1] as string;
    const from = (m.index ?? 0) + m[0].length;
    const to = i + 1 < starts.length ? (starts[i + 1]?.index ?? body.length) : body.length;
    const field = Object.hasOwn(TEXT_KEYS, key) ? TEXT_KEYS[key] : undefined;
    if (!field || field in fields) return;
    const value = body.slice(from, to).trim();
    fields[field] = value === '<NA>' ? null : value;
  });
  return fields;
}

/** Names the rule from the message's fixed start, or makes a stable name from the message itself. */
export function ruleForMessage(message: string): { rule: string; known: boolean } {
  const internal = /^Falco internal: ([^.]+)\./.exec(message);
  if (internal) return { rule: `Falco internal: ${internal[1]}`, known: true };
  for (const [head, rule] of BY_LENGTH) {
    if (message.startsWith(head)) return { rule, known: true };
  }
  const head = message.split(/ \(| \| |: | [\w.]+=/)[0]?.trim() ?? message;
  return { rule: head.slice(0, 80), known: false };
}

/** The text line as an alert, or undefined when it is not a Falco alert line (banner, log line). */
export function parseTextAlert(text: string, file: string, line: number): Alert | undefined {
  let rest = text.trim();
  const syslog = SYSLOG.exec(rest);
  if (syslog) rest = rest.slice(syslog[0].length);
  const t = TIME.exec(rest);
  let timeText: string | undefined;
  if (t) {
    timeText = t[1];
    rest = rest.slice(t[0].length);
  }
  const p = PRIORITY.exec(rest);
  if (!p) return undefined;
  const priority = parsePriority(p[1]);
  const message = p[2] as string;
  if (!priority) return undefined;
  const when = timeText && timeText.includes('T') ? normaliseTime(timeText.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : undefined;
  const { rule } = ruleForMessage(message);
  return {
    file,
    line,
    rule,
    priority,
    ...(when ?? {}),
    ...(timeText && !when ? { timeOfDay: timeText } : {}),
    output: text.trim(),
    fields: parseTextFields(message),
    tags: [],
    ...(message.startsWith('Falco internal:') ? { source: 'internal' } : {}),
    extra: Object.create(null) as Record<string, unknown>,
    fromText: true,
  };
}
