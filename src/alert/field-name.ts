// A field name without its argument, for looking the field up: `proc.aname[2]` → `proc.aname`.

/**
 * The name without a trailing `[argument]`, as Falco writes `proc.aname[2]` or `json.value[/a/b]`: from
 * the first `[` after the last `]` before the end. Field names come from alerts, so this is a scan and
 * not the regex `/\[[^\]]*\]$/`, whose search from every `[` took 24 s on 160,000 of them.
 */
export function withoutArgument(name: string): string {
  if (!name.endsWith(']')) return name;
  const open = name.indexOf('[', name.lastIndexOf(']', name.length - 2) + 1);
  return open === -1 ? name : name.slice(0, open);
}
