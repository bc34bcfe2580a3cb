// Fills `{{field}}` command templates from an alert's values, shell-quoted, with visible placeholders.
import { isIP } from 'node:net';
import { shellQuote } from '../escape/shell.js';
import { FIELD_TYPES } from '../kb/generated/field-types.js';
import { withoutArgument } from '../alert/field-name.js';

/**
 * `{{ name }}` where name is a Falco field (`proc.aname[2]` included) or `alert.<key>`; `{{ name | ere }}`
 * for a value that a command reads as a POSIX extended regular expression (`pgrep -x`, `pkill -x`).
 */
export const TEMPLATE_VAR = /\{\{\s*([A-Za-z0-9_.-]+(?:\[[^\]\s{}]*\])?)\s*(?:\|\s*(ere)\s*)?\}\}/g;

/**
 * A value as a POSIX extended regular expression that matches only itself: `pkill -x '.*'` from a
 * process named `.*` would kill every process, `pkill -x '\.\*'` kills only that one.
 */
export function ereEscape(value: string): string {
  return value.replace(/[\\.[\]()*+?{}|^$]/g, '\\$&');
}

/**
 * Text fields whose values still have a fixed form, checked like a type: Kubernetes namespaces (DNS
 * labels) and pod names (DNS subdomains), which no `*`, `,` or blank can be part of (`velero restore
 * create --include-namespaces {{ka.target.namespace}}` from a namespace of `*` would restore every
 * namespace); the github plugin's logins (sender, organisation, owner, member) and its repository,
 * which it gives as owner/name (the repository's URL without https://github.com/). A value of another
 * form would address another API path: `gh api -X DELETE
 * repos/{{github.repo.name}}/collaborators/{{github.user}}` from a user of `../../hooks/1` would
 * delete a webhook.
 */
const NAME_FORMS: ReadonlyMap<string, string> = new Map([
  ['k8s.ns.name', 'K8S_NAMESPACE'],
  ['ka.target.namespace', 'K8S_NAMESPACE'],
  ['k8s.pod.name', 'K8S_POD'],
  ['github.user', 'GITHUB_LOGIN'],
  ['github.org', 'GITHUB_LOGIN'],
  ['github.owner', 'GITHUB_LOGIN'],
  ['github.collaborator.name', 'GITHUB_LOGIN'],
  ['github.repo.name', 'GITHUB_REPO'],
  ['gcp.projectId', 'GCP_PROJECT'],
  ['gcp.cloudsql.databaseId', 'GCP_CLOUDSQL_ID'],
  ['gcp.storage.bucket', 'GCS_BUCKET'],
  ['gcp.cloudfunctions.function', 'GCP_FUNCTION'],
  ['gcp.user', 'GCP_PRINCIPAL'],
  ['gcp.callerIP', 'GCP_CALLER_IP'],
  // Okta's client.ipAddress: the KB quotes it inside an Okta System Log filter (`client.ipAddress eq "..."`).
  ['okta.client.ip', 'IPADDR'],
]);

let types: Map<string, string> | undefined;
/**
 * The Falco type of a field whose values have a fixed form (`fd.sip` → IPADDR), or the form of a
 * name field (NAME_FORMS), else undefined.
 */
export function fieldType(name: string): string | undefined {
  types ??= new Map([...FIELD_TYPES, ...NAME_FORMS]);
  return types.get(withoutArgument(name));
}

/** A DNS label as Kubernetes names a namespace: lower-case letters, digits and inner hyphens, 63 at most. */
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** A DNS subdomain as Kubernetes names a pod: DNS labels joined by dots, 253 characters at most. */
function isDnsSubdomain(v: string): boolean {
  return v.length <= 253 && v.split('.').every((label) => /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/.test(label));
}

/**
 * A GitHub login: letters, digits and hyphens, not starting with a hyphen (39 at most on github.com;
 * longer and with `_` for Enterprise Managed Users, as `mona_octo-corp`); an app's ends in `[bot]`.
 */
const GITHUB_LOGIN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}(?:\[bot\])?$/;

/** owner/name, where a repository name is letters, digits, `.`, `_` and `-`, but not `.` or `..`. */
function isGithubRepo(v: string): boolean {
  const slash = v.indexOf('/');
  const name = v.slice(slash + 1);
  return slash > 0 && GITHUB_LOGIN.test(v.slice(0, slash)) && /^[A-Za-z0-9._-]{1,100}$/.test(name) && name !== '.' && name !== '..';
}

/**
 * A Google Cloud project id: 6 to 30 lower-case letters, digits and hyphens, starting with a letter and
 * not ending with a hyphen; a project of a Workspace domain is written `example.com:project-id`.
 */
const GCP_PROJECT_ID = /^(?:[a-z0-9](?:[-a-z0-9.]{0,61}[a-z0-9])?:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/** A Cloud SQL instance as the audit log's database_id label names it: `project-id:instance-name`. */
function isCloudSqlId(v: string): boolean {
  const colon = v.lastIndexOf(':');
  return colon > 0 && GCP_PROJECT_ID.test(v.slice(0, colon)) && /^[a-z](?:[-a-z0-9]{0,96}[a-z0-9])?$/.test(v.slice(colon + 1));
}

/**
 * A Cloud Storage bucket: lower-case letters, digits, `-`, `_` and `.`, starting and ending with a letter
 * or a digit, 3 to 63 characters, or up to 222 when dots split it into parts of 63 at most.
 */
function isBucket(v: string): boolean {
  return /^[a-z0-9][-a-z0-9_.]{1,220}[a-z0-9]$/.test(v) && (v.length <= 63 || v.split('.').every((part) => part.length <= 63));
}

/**
 * The principal's email in a GCP audit entry: one `@`, a host name after it, and before it no blank,
 * quote, backslash or control character, which would end the quoted value of a `gcloud logging read` filter.
 */
const GCP_PRINCIPAL = /^[^\s"\\@\x00-\x1f\x7f]{1,64}@[A-Za-z0-9](?:[-A-Za-z0-9.]{0,251}[A-Za-z0-9])?$/;

/** `10.0.0.0/8`, `fd00::/8`: an address and a prefix length that fits it. */
function isIpNet(v: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  const family = m ? isIP(m[1] as string) : 0;
  return family !== 0 && Number(m?.[2]) <= (family === 4 ? 32 : 128);
}

const WHOLE = { fits: (v: string) => /^-?\d+$/.test(v), words: 'a whole number', sample: '42' };
const COUNT = { fits: (v: string) => /^\d+$/.test(v), words: 'a whole number of 0 or more', sample: '42' };

/** What a value of each checked type looks like, its name in a sentence, and a sample (for kb validate). */
export const TYPE_FORMS: Readonly<Record<string, { readonly fits: (v: string) => boolean; readonly words: string; readonly sample: string }>> = {
  INT16: WHOLE,
  INT32: WHOLE,
  INT64: WHOLE,
  UINT32: COUNT,
  UINT64: COUNT,
  uint64: COUNT,
  PORT: { fits: (v) => /^\d{1,5}$/.test(v) && Number(v) <= 65535, words: 'a port number', sample: '8080' },
  IPADDR: { fits: (v) => isIP(v) !== 0, words: 'an IP address', sample: '192.0.2.10' },
  IPNET: { fits: isIpNet, words: 'an IP network', sample: '192.0.2.0/24' },
  BOOL: { fits: (v) => v === 'true' || v === 'false', words: 'true or false', sample: 'true' },
  DOUBLE: { fits: (v) => /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v), words: 'a number', sample: '0.5' },
  K8S_NAMESPACE: { fits: (v) => DNS_LABEL.test(v), words: 'a Kubernetes namespace name', sample: 'shop-prod' },
  K8S_POD: { fits: isDnsSubdomain, words: 'a Kubernetes pod name', sample: 'web-7d9f8b6c5-x2kqp' },
  GITHUB_LOGIN: { fits: (v) => GITHUB_LOGIN.test(v), words: 'a GitHub login', sample: 'octo-cat' },
  GITHUB_REPO: { fits: isGithubRepo, words: 'a GitHub repository as owner/name', sample: 'octo-org/hello.world' },
  GCP_PROJECT: { fits: (v) => GCP_PROJECT_ID.test(v), words: 'a Google Cloud project id', sample: 'shop-prod-4711' },
  GCP_CLOUDSQL_ID: { fits: isCloudSqlId, words: 'a Cloud SQL instance as project-id:instance', sample: 'shop-prod-4711:orders-db' },
  GCS_BUCKET: { fits: isBucket, words: 'a Cloud Storage bucket name', sample: 'shop-invoices' },
  // Cloud Functions: a letter, then up to 62 letters, digits, hyphens or underscores, ending with a letter or digit.
  GCP_FUNCTION: { fits: (v) => /^[A-Za-z](?:[-A-Za-z0-9_]{0,61}[A-Za-z0-9])?$/.test(v), words: 'a Cloud Functions name', sample: 'resize-images' },
  GCP_PRINCIPAL: { fits: (v) => GCP_PRINCIPAL.test(v), words: 'an email address', sample: 'deploy@shop-prod-4711.iam.gserviceaccount.com' },
  // The audit log writes an address, or a word such as `private` or `gce-internal-ip` in its place.
  GCP_CALLER_IP: { fits: (v) => isIP(v) !== 0 || /^[a-z][-a-z]{0,31}$/.test(v), words: 'an IP address or a word such as private', sample: '192.0.2.10' },
};

/**
 * A value left out of a command, and why: it would be read as an option, it does not fit its field's
 * type, it would be read as several items of a list, a `..` in it would lead out of the path it is
 * appended to, or a `"` or `\` in it would end or change the quoted string of a filter it stands in.
 */
export interface Withheld {
  readonly name: string;
  readonly value: string;
  readonly reason: 'option' | 'type' | 'list' | 'path' | 'quote';
}

/** The result of filling one template. */
export interface FilledCommand {
  /** The command, ready to paste: every value single-quoted where it needs to be. */
  readonly text: string;
  /** Template variables the alert did not carry (shown as `<name>` placeholders). */
  readonly missing: readonly string[];
  /**
   * Template variables left as `<name>` placeholders too, with their values to show beside the command:
   * a value that starts with `-` where the command would read it as an option (`kubectl delete pod -n
   * prod --all` from a pod named `--all`), which quoting does not stop; and a value that does not fit
   * its field's type (`iptables -I OUTPUT -d 0.0.0.0/0 -j DROP` from an fd.sip of `0.0.0.0/0`); and a
   * value with a comma or a blank where the command reads a list (`pkill -KILL -u root,alice -x sshd`
   * from a user.name of `root,alice`); a path with a `..` appended to another (`"$r"{{fd.name}}`); and a
   * value with a `"` or `\` inside the quoted string of a filter (`eq \"$a\"`).
   */
  readonly withheld: readonly Withheld[];
}

/** What ends one simple command of a template and starts the next: a pipe, `;`, `&`, `(` or a line break. */
const COMMAND_BREAK = /[|;&(\n]/;

/** A shell word that assigns a variable, up to the value put after it (`c=` in `c={{container.id}}`). */
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=$/;

/** The start of a shell word that assigns a variable (`v=` in `v="x-$u"`), the value being all or part of what follows. */
const ASSIGNING = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** A `--` word in a command's text so far: the options of the command have ended. */
const OPTIONS_ENDED = /(^|\s)--(\s|$)/;

/** Reserved words that may start a simple command's text without being its program. */
const SHELL_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);

/**
 * The program a simple command runs: its first word that is not a variable assignment, a reserved word
 * (`then pkill ...`, `do kill ...`) or a case pattern (`case "$u" in root) ...`, `*) pkill ...`).
 */
export function commandProgram(command: string): string {
  const words = command.trim().split(/\s+/);
  let i = words[0] === 'case' ? 3 : 0;
  for (; i < words.length; i++) {
    const w = words[i] as string;
    if (ASSIGNING.test(w) || SHELL_KEYWORDS.has(w) || /^[^()]*\)$/.test(w)) continue;
    return w;
  }
  return '';
}

/** Where offset `at` of a template stands in shell terms (see shellPosition). */
export interface ShellPosition {
  /** Where the shell word holding it starts: after the last blank no quotes hold (`v="x $u"` is one word). */
  readonly wordStart: number;
  /**
   * Whether it stands between a `\"` and the next one in that word, in or out of the shell's own double
   * quotes (single quotes take a backslash as it is): in a string of another language that the argument
   * holds, such as an Okta filter's `eq \"$a\"`.
   */
  readonly embedded: boolean;
  /**
   * The text of the simple command holding it, up to `at`: from after the last `|`, `;`, `&`, `(`, `)` or
   * line break that no quotes hold, or from the `$(` of the command substitution it stands in (in double
   * quotes too); each command substitution in it is written `$()`.
   */
  readonly command: string;
  /** Where, in `command`, the word holding `at` starts. */
  readonly wordInCommand: number;
}

/** The state of one command while a template is scanned; a command substitution gets its own. */
interface ScanFrame {
  /** The command's text before `from`, substitutions written `$()`. */
  text: string;
  from: number;
  wordStart: number;
  wordInText: number;
  embedded: boolean;
  quote: string;
}

/**
 * Reads a template as bash splits it, up to offset `at`: quotes, backslashes, command breaks and
 * command substitutions (`"$(crictl inspect "$c" | jq -r .info.pid)"` is one word of the command around
 * it, and `jq` the program of its own). So a `|` or `(` inside quotes (a jq program, a regex) starts no
 * command, and a `--` inside a substitution ends no options of the command around it.
 */
export function shellPosition(template: string, at: number): ShellPosition {
  let byOffset = positions.get(template);
  if (byOffset === undefined) {
    // Templates come from the catalogues, a bounded set; the bound only keeps odd callers from growing it.
    if (positions.size >= POSITIONS_KEPT) positions.clear();
    byOffset = new Map();
    positions.set(template, byOffset);
  }
  let p = byOffset.get(at);
  if (p === undefined) {
    p = scanShell(template, at);
    byOffset.set(at, p);
  }
  return p;
}

/**
 * shellPosition's answers by template and offset. A template is filled again for every alert of its
 * rule (`--format ndjson` and live cards fill each alert's), and each fill asks about the same offsets.
 */
const positions = new Map<string, Map<number, ShellPosition>>();
const POSITIONS_KEPT = 4096;

function scanShell(template: string, at: number): ShellPosition {
  const outer: ScanFrame[] = [];
  const frame = (start: number): ScanFrame => ({ text: '', from: start, wordStart: start, wordInText: 0, embedded: false, quote: '' });
  let f = frame(0);
  for (let i = 0; i < at; i++) {
    const c = template[i] as string;
    if (f.quote === "'") {
      if (c === "'") f.quote = '';
    } else if (c === '\\') {
      if (template[i + 1] === '"') f.embedded = !f.embedded;
      i++;
    } else if (c === '$' && template[i + 1] === '(' && template[i + 2] === '(') {
      // An arithmetic expansion, `$((n + 1))`: a word part, no command; skipped to its closing `))`.
      let depth = 0;
      let j = i + 1;
      for (; j < at; j++) {
        if (template[j] === '(') depth++;
        else if (template[j] === ')' && --depth === 0) break;
      }
      f.text += `${template.slice(f.from, i)}$(())`;
      f.from = j + 1;
      i = j;
    } else if (c === '$' && template[i + 1] === '(') {
      f.text += `${template.slice(f.from, i)}$()`;
      outer.push(f);
      f = frame(i + 2);
      i++;
    } else if (c === '"') {
      f.quote = f.quote === '"' ? '' : '"';
    } else if (f.quote === '') {
      if (c === "'") f.quote = "'";
      else if (c === ')' && outer.length > 0) {
        f = outer.pop() as ScanFrame;
        f.from = i + 1;
      } else if (c === ')' || COMMAND_BREAK.test(c)) {
        f = frame(i + 1);
      } else if (/\s/.test(c)) {
        f.wordStart = i + 1;
        f.wordInText = f.text.length + (i + 1 - f.from);
        f.embedded = false;
      }
    }
  }
  return { wordStart: f.wordStart, embedded: f.embedded, command: f.text + template.slice(f.from, at), wordInCommand: f.wordInText };
}

/** Where the shell word that holds offset `at` of a template starts. */
function wordStart(template: string, at: number): number {
  return shellPosition(template, at).wordStart;
}

/** The words of a position's command before the word that holds it (`pkill`, `-u` for `pkill -u {{x}}`). */
export function wordsBefore(p: ShellPosition): string[] {
  return p.command.slice(0, p.wordInCommand).trim().split(/\s+/);
}

/** Options of ps, pgrep and pkill whose value is a list (of users, groups, process ids, sessions, terminals or names). */
const LIST_OPTIONS = new Set(['-u', '-U', '-g', '-G', '-p', '-P', '-s', '-t', '-C', '--user', '--User', '--group', '--Group', '--pid', '--ppid', '--sid', '--tty', '--euid', '--uid', '--pgroup', '--parent', '--session', '--terminal']);
const LIST_PROGRAMS = new Set(['ps', 'pgrep', 'pkill']);

/**
 * Whether `value`, put at `at` in the template, would be read as more than one item of a list: in a
 * kubectl command (before a `--` word) a comma starts another resource type (`pods,secrets`) or
 * selector term; in the AWS CLI's shorthand (`--filters Name=reservation-id,Values={{...}}`) another
 * value or key (`r-1,Name=instance-state-name,Values=running` would stop every running instance);
 * in the value of a list option of ps, pgrep or pkill (`pkill -KILL -u {{user.name}}`,
 * `ps -u root,{{user.name}}`) a comma or a blank starts another user, process id or name. No
 * Kubernetes name, Linux user name or process id holds one, so such a value is an attempt to widen
 * the command; an IAM user name may hold a comma, but the shorthand would split it all the same.
 * A value assigned to a shell variable (`u={{user.name}}; ... pkill -u "$u"`) is checked where the
 * template expands the variable (`$u`, `${u}`, `${u##*:}`), later in the same template, and so on
 * through a variable set from that one (`v="$u"`, `v="x-$u"`).
 */
export function addsListItems(template: string, at: number, value: string): boolean {
  return /[,\s]/.test(value) && hereOrThroughVariables(template, at, value, (p) => readsList(template, p, value));
}

/**
 * Whether `test` holds at offset `at` of the template or, when `at` is in a word that sets a variable
 * (`u={{x}}`, `v="$u"`, `f=${f#/host}`), at a later expansion of that variable (`$u`, `${u}`, `${u%...}`),
 * and so on through variables set from it. `test` also gets the value as it stands there: what a cut
 * (`${u#...}`, `${u%%...}`) leaves of it, where cutValue can tell. Each offset is tried once:
 * expansions only lie further on.
 */
function hereOrThroughVariables(template: string, at: number, value: string, test: (at: number, value: string) => boolean, tried = new Set<number>()): boolean {
  if (tried.has(at)) return false;
  tried.add(at);
  if (test(at, value)) return true;
  const variable = ASSIGNING.exec(template.slice(wordStart(template, at), at))?.[1];
  if (variable === undefined) return false;
  for (const use of template.slice(at).matchAll(new RegExp(`\\$(?:\\{${variable}(##?|%%?)([^}]*)\\}|\\{?${variable}(?![A-Za-z0-9_]))`, 'g'))) {
    const there = use[1] === undefined ? value : (cutValue(value, use[1], use[2] as string) ?? value);
    if (hereOrThroughVariables(template, at + use.index, there, test, tried)) return true;
  }
  return false;
}

/**
 * What `${v#p}`, `${v##p}`, `${v%p}` or `${v%%p}` leaves of `value`, for a pattern of plain text with at
 * most a `*` at the end it cuts from (`*:`, `system:serviceaccount:`, `:*`); undefined for other patterns.
 */
export function cutValue(value: string, op: string, pattern: string): string | undefined {
  const fromStart = op.startsWith('#');
  const longest = op.length === 2;
  const star = fromStart ? pattern.startsWith('*') : pattern.endsWith('*');
  const text = star ? (fromStart ? pattern.slice(1) : pattern.slice(0, -1)) : pattern;
  if (/[*?[\\'"$]/.test(text)) return undefined;
  if (!star) {
    if (fromStart) return value.startsWith(text) ? value.slice(text.length) : value;
    return value.endsWith(text) ? value.slice(0, value.length - text.length) : value;
  }
  // `#*X` cuts through the first X (`##*X` the last); `%X*` from the last X (`%%X*` the first).
  const i = fromStart === longest ? value.lastIndexOf(text) : value.indexOf(text);
  if (i < 0) return value;
  return fromStart ? value.slice(i + text.length) : value.slice(0, i);
}

/**
 * Whether a value assigned to a variable becomes an option where a cut of it begins an argument:
 * `d={{x}}; gcloud sql instances patch "${d##*:}"` with an x of `proj:--flag`. (A value that starts
 * with `-` is already left out where it is assigned.)
 */
function cutToOption(template: string, at: number, value: string): boolean {
  return value.includes('-') && hereOrThroughVariables(template, at, value, (p, there) => p !== at && there.startsWith('-') && optionPosition(template, p));
}

/** A `..` component of a path. */
const DOT_DOT = /(^|\/)\.\.(\/|$)/;

/**
 * Whether a value put at `at` would be appended to text the template wrote before it in the same shell
 * word (`"$r"{{fd.name}}` with r the container's root, `"/proc/$pid/root$f"` after `f={{evt.arg.name}}`)
 * while holding a `..` component, which would take the path out of what that text names: out of the
 * container's root filesystem to the node's own files, where the remediation moves, chmods or chattrs
 * them. Falco writes paths without such components.
 */
function leavesPath(template: string, at: number, value: string): boolean {
  return DOT_DOT.test(value) && hereOrThroughVariables(template, at, value, (p) => afterText(template, p));
}

/** Whether the shell word holding offset `at` has text before it, other than a variable assignment's `name=` and quotes. */
function afterText(template: string, at: number): boolean {
  return template.slice(wordStart(template, at), at).replace(ASSIGNING, '').replace(/["']/g, '') !== '';
}

/** What ends a string of a filter language (`"`) or changes what follows it (`\`). */
const STRING_ENDING = /["\\]/;

/**
 * Whether a value put at `at` would stand inside a string of another language that the command's
 * argument holds, written with `\"` in a shell word: an Okta System Log filter (`"filter=actor.displayName
 * eq \"$a\""`) or a gcloud logging filter (`"principalEmail=\"$u\""`). A `"` in the value would end
 * that string and the rest would be read as more of the filter (`x" or actor.id pr "` selects every
 * user's events, and the command then acts on whichever comes first); a `\` would escape what follows.
 * Followed through variables, as the list check is.
 */
function endsQuotedString(template: string, at: number, value: string): boolean {
  return STRING_ENDING.test(value) && hereOrThroughVariables(template, at, value, (p) => shellPosition(template, p).embedded);
}

/** addsListItems for a value (one with a comma or a blank) at `at` itself. */
function readsList(template: string, at: number, value: string): boolean {
  const p = shellPosition(template, at);
  const program = commandProgram(p.command);
  if (program === 'kubectl') return value.includes(',') && !OPTIONS_ENDED.test(p.command);
  // The AWS CLI's shorthand: in `Name=reservation-id,Values=...` a comma starts another value or key.
  const word = template.slice(p.wordStart, at);
  if (program === 'aws') return value.includes(',') && word.includes('=');
  if (!LIST_PROGRAMS.has(program)) return false;
  const glued = /^(--[A-Za-z]+)=/.exec(word);
  if (glued) return LIST_OPTIONS.has(glued[1] as string);
  return LIST_OPTIONS.has(wordsBefore(p).pop() ?? '');
}

/**
 * Whether a value put at `at` in the template may become a command-line argument that a command takes
 * for an option. It does when it begins a shell word and no `--` word ends the options earlier in the
 * same command, and when it is what a shell variable is set to (`c={{x}}`), since the variable is
 * there to be passed on (`crictl inspect "$c"`). A value glued to other text (`name={{x}}`,
 * `/proc/{{x}}`) is not an argument of its own, unless that text is only variables, which may be empty.
 */
export function optionPosition(template: string, at: number): boolean {
  const p = shellPosition(template, at);
  // The text of the shell word before the value (back to a space or a command break), quotes aside.
  const word = template.slice(p.wordStart, at).replaceAll('"', '');
  if (ASSIGNMENT.test(word)) return true;
  // Only variable expansions before the value (`"$r"{{fd.name}}`, r empty on the host): it may still begin the argument.
  if (word !== '' && !/^(?:\$\{?[A-Za-z_]\w*\}?)+$/.test(word)) return false;
  return !OPTIONS_ENDED.test(p.command);
}

/** Why a value may not be put at `at` in the template, or undefined when it may. */
function withheldReason(template: string, at: number, name: string, value: string): Withheld['reason'] | undefined {
  const type = fieldType(name);
  if (type !== undefined && TYPE_FORMS[type]?.fits(value) === false) return 'type';
  if ((value.startsWith('-') && optionPosition(template, at)) || cutToOption(template, at, value)) return 'option';
  if (addsListItems(template, at, value)) return 'list';
  if (leavesPath(template, at, value)) return 'path';
  if (endsQuotedString(template, at, value)) return 'quote';
  return undefined;
}

/**
 * Fills a template in one pass, so a value that itself contains `{{other}}` is never expanded again.
 * `lookup` returns the value as a string, or undefined when the alert lacks it or it is unknown.
 */
export function fillTemplate(template: string, lookup: (name: string) => string | undefined): FilledCommand {
  const missing: string[] = [];
  const withheld: Withheld[] = [];
  const text = template.replace(TEMPLATE_VAR, (_match, name: string, filter: string | undefined, at: number) => {
    const value = lookup(name);
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return `<${name}>`;
    }
    const reason = withheldReason(template, at, name, value);
    if (reason !== undefined) {
      if (!withheld.some((w) => w.name === name)) withheld.push({ name, value, reason });
      return `<${name}>`;
    }
    return shellQuote(filter === 'ere' ? ereEscape(value) : value);
  });
  return { text, missing, withheld };
}

/** The variable names a template uses, in order of first use. */
export function templateVars(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(TEMPLATE_VAR)) {
    const name = m[1] as string;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
