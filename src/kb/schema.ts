// The zod schema of one rules-kb entry: strict, so that a typo in a KB file is an error, not a silent no-op.
import { z } from 'zod';

import { PRIORITIES, TACTICS, type Priority } from '../alert/constants.js';

export { PRIORITIES, TACTICS, type Priority };

/** Operators a benign pattern or a `--where` condition may use on an alert field. */
export const CONDITION_OPS = [
  '=',
  '!=',
  'in',
  'startswith',
  'endswith',
  'contains',
  'regex',
  'exists',
  'missing',
] as const;

const text = z.string().trim().min(1);

/** One ATT&CK technique the rule's behaviour maps to. */
export const mitreSchema = z.strictObject({
  id: z.string().regex(/^T\d{4}(\.\d{3})?$/, 'a technique id such as T1059 or T1059.004'),
  name: text,
  tactic: z.enum(TACTICS),
});

/** The container `$c`'s first process as the node sees it, on stdout; nothing (not 0) when it is gone or stopped. */
const FIRST_PID =
  // CRI runtimes (containerd, CRI-O) through crictl, whose JSON has info.pid. When that gives no pid (crictl
  // missing, the container unknown to it, or a cri-dockerd from before it added the pid to its answer), Docker
  // (or podman-docker), whose inspect prints an array with State.Pid; asked only where it is installed, so that
  // a node without it does not print "docker: command not found" for a container that is gone.
  `crictl inspect "$c" | jq -r '.info?.pid | select(. > 0)' | grep . || { command -v docker >/dev/null && docker inspect "$c" | jq -r '.[0].State.Pid | select(. > 0)'; }`;

/**
 * What the container set-ups say when the look-up finds no process: the container is gone, stopped or on
 * another node. They stop there, as `${var:?}` does (a script exits, an interactive shell drops the rest of
 * the line), instead of running the step on nothing: a find under `/proc//root` printed nothing, which read
 * as "nothing found". Constant text: the alert's container id is not echoed to the terminal.
 */
const NOT_RUNNING = 'the container is not running on this node';

/**
 * Shell set-up a command may ask for with `prepare`; it is written in front of `run` when the entry is read,
 * so the command shown, checked and filled is the whole one. A system-call rule's commands run on the node,
 * while a container's processes and paths are its own: these reach them through the container's first process.
 * Okta's commands check first that the variables they read are set.
 */
export const PREPARE = {
  /** `$c`: the alert's container id; `$pid`: the container's first process as the node sees it, 1 for a host event. */
  'container-pid': `c={{container.id}}; pid=1; [ "$c" = host ] || pid=$(${FIRST_PID}); : "\${pid:?${NOT_RUNNING}}";`,
  /** `$c` as above; `$r`: the container's root directory seen from the node (/proc/PID/root), empty for a host event. */
  'container-root': `c={{container.id}}; r=; [ "$c" = host ] || { r=$(${FIRST_PID}); r=/proc/\${r:?${NOT_RUNNING}}/root; };`,
  /**
   * Okta's API is called with curl on `$OKTA_DOMAIN` and `$OKTA_API_TOKEN`: without them, the command stops
   * with a message (a script exits; an interactive shell drops the rest of the line) instead of calling
   * `https:///...`.
   */
  'okta-api': ': "${OKTA_DOMAIN:?set OKTA_DOMAIN to your Okta domain}" "${OKTA_API_TOKEN:?set OKTA_API_TOKEN to an Okta API token}";',
} as const;

const PREPARE_NAMES = Object.keys(PREPARE) as [keyof typeof PREPARE, ...(keyof typeof PREPARE)[]];

/** A shell command template; `{{field}}` is filled from the alert, shell-quoted. */
export const commandSchema = z
  .strictObject({
    title: text,
    /** Set-up written in front of `run` (PREPARE). */
    prepare: z.enum(PREPARE_NAMES).optional(),
    run: text,
    /** What to look for in the output, or what the command changes. */
    explain: text,
    /** What to do instead when the alert lacks a field the command uses. */
    if_missing: text.optional(),
    /** remediate only: the command changes or removes something and cannot be undone by re-running. */
    destructive: z.boolean().optional(),
  })
  .transform(({ prepare, ...step }) => (prepare === undefined ? step : { ...step, run: `${PREPARE[prepare]} ${step.run}` }));

/** A configuration snippet that prevents the behaviour, in its real syntax. */
export const snippetSchema = z.strictObject({
  title: text,
  lang: z.enum(['yaml', 'json', 'shell', 'hcl', 'ini', 'text']),
  snippet: text,
  explain: text.optional(),
});

/** One field test of a benign pattern. */
export const conditionSchema = z.strictObject({
  field: text,
  op: z.enum(CONDITION_OPS),
  value: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]).optional(),
});

/** A known false-positive pattern: every condition must hold for it to match an alert. */
export const benignSchema = z.strictObject({
  pattern: text,
  explain: text,
  when: z.array(conditionSchema).min(1),
});

/** The Falco exception this rule should be tuned with. */
export const exceptionSchema = z.strictObject({
  fields: z.array(text).min(1),
  comps: z.array(z.enum(['=', '!=', 'in', 'startswith', 'endswith', 'contains', 'pmatch', 'glob'])).optional(),
  explain: text.optional(),
});

/** The rule's own macros and lists that users override or append to, to tune it. */
export const tuningSchema = z.strictObject({
  macros: z.array(text).default([]),
  lists: z.array(text).default([]),
  explain: text.optional(),
});

export const referenceSchema = z.strictObject({
  title: text,
  url: z.url({ protocol: /^https$/ }),
});

/** Where a generic entry applies: a source and, optionally, a tag family. */
export const appliesSchema = z.strictObject({
  source: text,
  tags_any: z.array(text).default([]),
});

/** One rules-kb entry, as written in YAML. */
export const kbEntrySchema = z.strictObject({
  rule: text,
  aliases: z.array(text).default([]),
  /** `rule`: one Falco rule; `generic`: a fallback for a source and tag family. */
  kind: z.enum(['rule', 'generic']).default('rule'),
  applies: appliesSchema.optional(),
  source: text,
  priority: z.enum(PRIORITIES),
  maturity: z.enum(['stable', 'incubating', 'sandbox', 'deprecated', 'plugin', 'internal', 'generic']),
  enabled_by_default: z.boolean().default(true),
  /** The rule's tags as shipped; the tag signal when matching custom rules. */
  tags: z.array(text).default([]),
  /** The output fields the rule prints; the field signal when matching custom rules. */
  fields: z.array(text).default([]),
  summary: text,
  detects: text,
  why: text,
  mitre: z.array(mitreSchema).default([]),
  /** Why the techniques above differ from the rule's own MITRE tags, where they do. */
  mitre_note: text.optional(),
  investigate: z.array(commandSchema).min(1),
  remediate: z.array(commandSchema).default([]),
  harden: z.array(snippetSchema).default([]),
  benign: z.array(benignSchema).default([]),
  tuning: tuningSchema.optional(),
  exception: exceptionSchema.optional(),
  references: z.array(referenceSchema).min(1),
});

/** A KB entry after validation, with defaults applied. */
export type KbEntryData = z.infer<typeof kbEntrySchema>;
export type KbCommand = z.infer<typeof commandSchema>;
export type KbSnippet = z.infer<typeof snippetSchema>;
export type KbBenign = z.infer<typeof benignSchema>;
export type KbCondition = z.infer<typeof conditionSchema>;
export type KbMitre = z.infer<typeof mitreSchema>;
