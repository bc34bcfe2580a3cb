// Falco's plain-text alert lines (`13:40:44.385152581: Warning Shell spawned ...`) become alerts marked as from text.
import { RULE_FORMATS } from '../kb/generated/rule-formats.js';
import { RULE_MESSAGES } from '../kb/generated/rule-messages.js';
import type { Alert, FieldValue } from './alert.js';
import { DAY_MS, normaliseTime, timeOfDayMs } from './alert.js';
import { parsePriority } from './priority.js';

// An optional syslog prefix: `<5>`, then `Feb 13 20:33:20 host prog[pid]: ` or `2024-08-07T13:49:16Z host prog[pid]: `.
// The host it names is where Falco ran. (An ISO time followed by `: ` is Falco's own, not syslog's.)
const SYSLOG = /^(?:<\d{1,3}>)?(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)) (\S+) [\w./-]+(?:\[\d+\])?: /;
/** `[pod/falco-x/falco] ` (kubectl logs --prefix), then or else a CRI log file's `2024-01-01T00:00:00.1Z stdout F `. */
const COLLECTOR = /^(?:\[pod\/[^\]\s]+\] )?(?:(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) (?:stdout|stderr) [FP] )?/;
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) (?=\S)/;

const TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?|\d\d:\d\d:\d\d\.\d+): /;
const PRIORITY = /^(Emergency|Alert|Critical|Error|Warning|Notice|Informational|Info|Debug) (\S.*)$/;

/** How long after Falco's event its line may reach the log, and how far a collector's clock may run behind. */
const LOGGED_AFTER_MS = 5 * 60_000;
const LOGGED_BEFORE_MS = 60_000;

/**
 * The date of an alert whose line gives only a time of day (`10:00:01.123456789`), from the time the log
 * collector wrote in front of it (CRI, `kubectl logs --timestamps`, an ISO syslog time): that time of day
 * in UTC on the collector's date, or the day before when the line crossed midnight. Falco writes the time
 * of day in its own time zone, UTC in its container image; when the two times do not agree within a few
 * minutes (another zone, a late collector), the alert stays without a date rather than get a wrong one.
 */
export function dateFromLogTime(logged: string, timeOfDay: string): { time: string; timeMs: number } | undefined {
  const at = normaliseTime(logged.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  const tod = timeOfDayMs(timeOfDay);
  if (!at || tod === undefined) return undefined;
  const frac = (timeOfDay.split('.')[1] ?? '').padEnd(9, '0');
  const day = Math.floor(at.timeMs / DAY_MS) * DAY_MS;
  for (const d of [day, day - DAY_MS]) {
    const late = at.timeMs - (d + tod);
    if (late >= -LOGGED_BEFORE_MS && late <= LOGGED_AFTER_MS) return normaliseTime(`${new Date(d).toISOString().slice(0, 10)}T${timeOfDay.slice(0, 8)}.${frac}Z`);
  }
  return undefined;
}

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
  // `-pk` appends `container=%container.id`; `-pc` `container=%container.name (id=%container.id)` (readPairs).
  container: 'container.id',
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
const APPENDED_KEY = new RegExp(PAIR_START.source, 'g');

/** What a text key stands for: a field, and the quote the rule's output puts around its value, if any. */
interface KeyField {
  readonly field: string;
  readonly quote: string;
}

/** A rule's output format cut at its fields: `head`, then `fields[i]` followed by the literal text `after[i]`. */
interface Format {
  readonly head: string;
  readonly fields: readonly string[];
  readonly after: readonly string[];
}

/** What the rules files say of one rule's text: its source, its output formats and the keys they print. */
interface RuleText {
  readonly rule: string;
  readonly source: string;
  readonly formats: Format[];
  readonly keys: Map<string, KeyField>;
}

/** `%field`, `%field[arg]`; a field name never ends with the dot of a sentence. */
const FORMAT_FIELD = /%([A-Za-z_]\w*(?:\.\w+)*(?:\[[^\]\s]*\])?)/g;
/** The key printed just before a field (`user=`, `user='`). */
const KEY_BEFORE = /(?:^|[\s(|,])([A-Za-z_][\w.\[\]]*)=(['"]?)$/;

function cutFormat(output: string): Format {
  const fields: string[] = [];
  const literals: string[] = [];
  let last = 0;
  for (const m of output.matchAll(FORMAT_FIELD)) {
    literals.push(output.slice(last, m.index));
    fields.push(m[1] as string);
    last = m.index + m[0].length;
  }
  literals.push(output.slice(last));
  return { head: literals[0] as string, fields, after: literals.slice(1) };
}

let ruleTexts: Map<string, RuleText> | undefined;
/** Formats whose fixed start is too short to name their rule (`project=%gcp.projectId A GCP ...`). */
const fieldFirst: RuleText[] = [];

function ruleTextIndex(): Map<string, RuleText> {
  if (ruleTexts) return ruleTexts;
  ruleTexts = new Map();
  for (const [rule, source, output] of RULE_FORMATS) {
    let r = ruleTexts.get(rule);
    if (!r) {
      r = { rule, source, formats: [], keys: new Map() };
      ruleTexts.set(rule, r);
    }
    const f = cutFormat(output);
    r.formats.push(f);
    for (let i = 0; i < f.fields.length; i++) {
      const k = KEY_BEFORE.exec(i === 0 ? f.head : (f.after[i - 1] as string));
      if (k && !r.keys.has(k[1] as string)) r.keys.set(k[1] as string, { field: f.fields[i] as string, quote: k[2] as string });
    }
    // As RULE_MESSAGES: a fixed start of fewer than 8 characters (`project=`) does not name a rule.
    if (f.head.trim().replace(/[\s:=(]+$/, '').length < 8 && !fieldFirst.includes(r)) fieldFirst.push(r);
  }
  return ruleTexts;
}

/** How far a message follows a format, read left to right: the values of the fields whose following text was found. */
function followFormat(message: string, f: Format): { values: Map<string, string>; complete: boolean; rest: string } | undefined {
  if (!message.startsWith(f.head)) return undefined;
  const values = new Map<string, string>();
  let pos = f.head.length;
  for (let i = 0; i < f.fields.length; i++) {
    const text = f.after[i] as string;
    let end: number;
    if (text === '') {
      // The format ends with this field: Falco may have appended `key=value` pairs (container and
      // Kubernetes fields), which end the value at the first key Falco's outputs use.
      end = message.length;
      // Its own regex: matchAll (readPairs) starts a copy of PAIR_START from PAIR_START's lastIndex.
      APPENDED_KEY.lastIndex = pos;
      for (let m = APPENDED_KEY.exec(message); m !== null; m = APPENDED_KEY.exec(message)) {
        if (Object.hasOwn(TEXT_KEYS, m[1] as string)) {
          end = m.index;
          break;
        }
      }
    } else {
      end = message.indexOf(text, pos);
      if (end < 0) return { values, complete: false, rest: message.slice(pos) };
    }
    const field = f.fields[i] as string;
    if (!values.has(field)) values.set(field, message.slice(pos, end));
    pos = end + text.length;
  }
  return { values, complete: true, rest: message.slice(pos) };
}

/** A value as read from text: trimmed, `<NA>` (Falco's word for unknown) as null. */
function textValue(raw: string): FieldValue {
  const v = raw.trim();
  return v === '<NA>' ? null : v;
}

/** The field a key stands for in Falco's usual outputs for system calls (TEXT_KEYS). */
function syscallKey(key: string): KeyField | undefined {
  return Object.hasOwn(TEXT_KEYS, key) ? { field: TEXT_KEYS[key] as string, quote: '' } : undefined;
}

/** Reads `key=value` pairs into `fields`, each key as `keyOf` names it; a value runs until the next ` key=`, so values may hold spaces. */
function readPairs(message: string, fields: Record<string, FieldValue>, keyOf: (key: string) => KeyField | undefined): Record<string, FieldValue> {
  // From the first `(` on: Falco's `-pk` and `-pc` append pairs after the output's closing `)`.
  const open = message.indexOf('(');
  const body = open >= 0 ? message.slice(open + 1) : message;
  const starts = [...body.matchAll(PAIR_START)];
  starts.forEach((m, i) => {
    const key = m[1] as string;
    const from = (m.index ?? 0) + m[0].length;
    const to = i + 1 < starts.length ? (starts[i + 1]?.index ?? body.length) : body.length;
    const k = keyOf(key);
    if (!k || k.field in fields) return;
    let value = body.slice(from, to).trim();
    // The output's closing `)` ends the value before it: a `)` that closes nothing in the value.
    if (value.endsWith(')') && count(value, '(') < count(value, ')')) value = value.slice(0, -1).trimEnd();
    const q = k.quote;
    if (q && value.length >= 2 && value.startsWith(q) && value.endsWith(q)) value = value.slice(1, -1);
    const named = key === 'container' && k.field === 'container.id' ? CONTAINER_WITH_ID.exec(value) : null;
    if (named) {
      fields['container.id'] = textValue(named[2] as string);
      if (!('container.name' in fields)) fields['container.name'] = textValue(named[1] as string);
      return;
    }
    fields[k.field] = textValue(value);
  });
  return fields;
}

/** `-pc`'s `container=NAME (id=ID)`. */
const CONTAINER_WITH_ID = /^(\S+) \(id=([^\s()]+)\)$/;

function count(text: string, c: string): number {
  let n = 0;
  for (let i = text.indexOf(c); i >= 0; i = text.indexOf(c, i + 1)) n++;
  return n;
}

/**
 * The fields of a Falco internal event (`syscall event drop. ... (ebpf_enabled=0 n_drops=9 ...)`): its
 * pairs under their own names, as its JSON form has them in output_fields, so that a drop notice read
 * from text gives the events it dropped.
 */
function internalFields(message: string): Record<string, FieldValue> {
  const fields = Object.create(null) as Record<string, FieldValue>;
  return message.includes('(') ? readPairs(message, fields, (key) => ({ field: key, quote: '' })) : fields;
}

/** Reads `key=value` pairs with the keys Falco's default outputs use for system calls. */
export function parseTextFields(message: string): Record<string, FieldValue> {
  return readPairs(message, Object.create(null) as Record<string, FieldValue>, syscallKey);
}

/** The rule, its source when the rules files know it, and the fields of one alert message. */
export interface TextReading {
  readonly rule: string;
  readonly known: boolean;
  readonly source?: string;
  readonly fields: Record<string, FieldValue>;
}

/** The fields of a message that follows `r`'s output formats as far as it does; key=value pairs for the rest. */
function readRule(message: string, r: RuleText, first?: { values: Map<string, string>; complete: boolean; rest: string }): TextReading {
  let best = first;
  for (const f of r.formats) {
    if (best?.complete) break;
    const m = followFormat(message, f);
    if (m && (!best || m.complete || m.values.size > best.values.size)) best = m;
  }
  const fields = Object.create(null) as Record<string, FieldValue>;
  if (best) for (const [field, raw] of best.values) fields[field] = textValue(raw);
  const syscall = r.source === 'syscall';
  if (best?.complete) {
    // Pairs Falco appended after the rule's own output (`-pk`, `-pc`, append_output).
    if (syscall) readPairs(best.rest, fields, syscallKey);
  } else {
    readPairs(message, fields, (key) => r.keys.get(key) ?? (syscall ? syscallKey(key) : undefined));
  }
  return { rule: r.rule, known: true, source: r.source, fields };
}

/**
 * Reads one alert message (the text after the priority): the rule from its fixed start, or from a
 * rule whose output starts with a field and whose next words the message has; the fields from the
 * rule's output formats in the rules files, value by value where the message follows one, else from
 * its key=value pairs with the rule's own keys. Messages of rules the rules files do not have
 * (custom rules) are read with Falco's usual keys for system calls.
 */
export function readTextMessage(message: string): TextReading {
  const index = ruleTextIndex();
  const named = ruleForMessage(message);
  const r = named.known ? index.get(named.rule) : undefined;
  if (r) return readRule(message, r);
  if (!named.known) {
    for (const candidate of fieldFirst) {
      for (const f of candidate.formats) {
        const m = followFormat(message, f);
        // The first field's value is one word, and the words after it are the rule's own.
        const firstValue = m?.values.get(f.fields[0] as string);
        if (m && firstValue !== undefined && !/\s/.test(firstValue) && (f.after[0] as string).trim().length >= 12) return readRule(message, candidate, m);
      }
    }
  }
  return { rule: named.rule, known: named.known, fields: parseTextFields(message) };
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
  // What a log collector put in front: `kubectl logs --prefix`, a CRI log file's prefix.
  const collected = COLLECTOR.exec(rest);
  let logged = collected?.[1];
  if (collected) rest = rest.slice(collected[0].length);
  const syslog = SYSLOG.exec(rest);
  if (syslog) {
    rest = rest.slice(syslog[0].length);
    logged ??= syslog[1];
  } else {
    // `kubectl logs --timestamps`, `docker logs -t`: a time and a space (Falco's own ISO time ends with `: `).
    const stamped = STAMP.exec(rest);
    if (stamped) {
      rest = rest.slice(stamped[0].length);
      logged ??= stamped[1];
    }
  }
  // What Falco printed, without what the transport put in front (the hostname keeps the syslog host).
  const output = rest;
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
  const when =
    timeText === undefined
      ? undefined
      : timeText.includes('T')
        ? normaliseTime(timeText.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'))
        : logged !== undefined
          ? dateFromLogTime(logged, timeText)
          : undefined;
  const internal = message.startsWith('Falco internal:');
  const reading: TextReading = internal ? { ...ruleForMessage(message), fields: internalFields(message) } : readTextMessage(message);
  const source = internal ? 'internal' : reading.source;
  const host = syslog?.[2];
  return {
    file,
    line,
    rule: reading.rule,
    priority,
    ...(when ?? {}),
    ...(timeText && !when ? { timeOfDay: timeText } : {}),
    output,
    fields: reading.fields,
    tags: [],
    ...(source !== undefined ? { source } : {}),
    ...(host !== undefined ? { hostname: host } : {}),
    extra: Object.create(null) as Record<string, unknown>,
    fromText: true,
  };
}
