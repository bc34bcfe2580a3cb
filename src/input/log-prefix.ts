// Recognises a log prefix (syslog, journald, kubectl/docker/CRI timestamps) in front of a JSON alert.

/** RFC 3339 / ISO 8601 time as kubectl, docker and falcosidekick's syslog output write it. */
const ISO_TIME = String.raw`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}(?::?\d{2})?)?`;
/** BSD syslog time (`Feb 13 20:33:20`, `Jan  3 19:48:00`), as journalctl and rsyslog files write it. */
const BSD_TIME = String.raw`[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?`;

/** kubectl logs --prefix: "[pod/falco-x/falco] " (alone or before a time). */
const KUBECTL_POD = String.raw`\[pod\/[^\]\s]+\] `;

const TIMED = [
  // RFC 3164 style, also falcosidekick's syslog output: "<5>2024-08-07T13:49:16Z host Falco[1]: ".
  String.raw`(?:<\d{1,3}>)?(?:${ISO_TIME}|${BSD_TIME}) [^\s{]\S* [^\s:{]+: ?`,
  // RFC 5424: "<165>1 2024-08-07T13:49:16Z host app procid msgid - ".
  String.raw`<\d{1,3}>1 ${ISO_TIME} [^\s{]\S* [^\s{]\S* [^\s{]\S* [^\s{]\S* (?:-|(?:\[[^\]]*\])+) `,
  // CRI log files (/var/log/pods): "2024-01-01T00:00:00.1Z stdout F ".
  String.raw`${ISO_TIME} (?:stdout|stderr) [FP] `,
  // kubectl logs --timestamps, docker logs --timestamps: "2024-01-01T00:00:00.123456789Z ".
  String.raw`${ISO_TIME} `,
].join('|');

const PREFIXED_JSON = new RegExp(`^(?:${KUBECTL_POD}(?:${TIMED})?|(?:${TIMED}))[ \\t]*(?=\\{)`);

/** Index where the JSON object starts after a known log prefix on `line`, or -1 when there is none. */
export function jsonAfterLogPrefix(line: string): number {
  const m = PREFIXED_JSON.exec(line);
  return m === null ? -1 : m[0].length;
}

/** A CRI log line's prefix: "2024-01-01T00:00:00.1Z stdout P " (P: the line continues in the next one). */
const CRI_PREFIX = new RegExp(`^${ISO_TIME} (stdout|stderr) ([FP]) `);

/** The stream, whether the line is a partial one, and the prefix length of a CRI log line; undefined for other lines. */
export function criPrefix(line: string): { readonly stream: string; readonly partial: boolean; readonly length: number } | undefined {
  const m = CRI_PREFIX.exec(line);
  return m === null ? undefined : { stream: m[1] as string, partial: m[2] === 'P', length: m[0].length };
}
