// --redact: masks secrets (keys, tokens, passwords) in alert text, keeping 4 characters to recognise them by.

/** What a masked value ends with; a value of 4 characters or fewer is this marker alone. */
export const REDACTED = '[redacted]';

/** How many characters of a secret stay visible, so that two alerts can be seen to share it. */
const VISIBLE = 4;

/** A redaction rule as the README lists it. */
export interface RedactionRule {
  /** Short stable name (kebab-case). */
  readonly name: string;
  /** What the rule masks, in one sentence. */
  readonly description: string;
  /** A sample input and what `redactText` makes of it. */
  readonly example: readonly [input: string, output: string];
}

/** The named groups a rule's pattern may set. */
interface Groups {
  mysql?: string;
  pre?: string;
  key?: string;
  q?: string;
  qv?: string;
  qc?: string;
  v?: string;
  post?: string;
}

/** A rule with its compiled patterns. */
interface CompiledRule extends RedactionRule {
  /** Cheap test run first: the pattern runs only on text this matches. */
  readonly trigger: RegExp;
  /** Global pattern; named groups `pre` (kept), then `q`/`qv`/`qc` (quoted value) or `v` (bare value). */
  readonly pattern: RegExp;
  /** A replacement of its own, for rules that mask inside what they match. */
  readonly replace?: (match: string, g: Groups) => string;
}

/**
 * A value this module already masked: up to 4 characters (code points), `…`, the marker. Whatever
 * follows it was not part of the secret when it was masked, so it is left as it is (idempotence).
 */
const MASKED_SRC = String.raw`(?:(?:[\ud800-\udbff][\udc00-\udfff]|\S){1,4}…)?\[redacted\]`;
const ALREADY_MASKED = new RegExp(`^${MASKED_SRC}$`);

/**
 * Between a key and its value: `=` right before the value (`token= x` is an empty token), spaces
 * on both sides of `=` (ini files), or `:` and spaces or tabs (`KEY: value`, JSON). Never a line break.
 */
const SEPARATOR_SRC = String.raw`(?:=|[ \t]+=[ \t]*|[ \t]*:[ \t]*)`;

/** Values that say "no value" rather than hold one: left as they are. */
const NOT_A_VALUE = new Set(['<NA>', 'null', '(null)', '""', "''"]);

/**
 * Masks one secret value: its first 4 characters, `…`, and the marker; values of 4 characters or fewer
 * become the marker alone. Idempotent: an already masked value is returned unchanged.
 */
export function maskSecret(value: string): string {
  if (value === '' || NOT_A_VALUE.has(value) || ALREADY_MASKED.test(value)) return value;
  // Count code points, not UTF-16 units, so that a surrogate pair is never cut in half.
  let end = 0;
  for (let n = 0; n < VISIBLE && end < value.length; n++) {
    const c = value.charCodeAt(end);
    end += c >= 0xd800 && c <= 0xdbff && end + 1 < value.length ? 2 : 1;
  }
  if (end >= value.length) return REDACTED;
  return `${value.slice(0, end)}…${REDACTED}`;
}

/**
 * The value that follows a key or flag: quoted (up to the same quote, `\"` included, to the end of the
 * line when it is never closed) or bare, up to white space, a quote, or a separator of pairs (`&` in
 * query strings, `;` in connection strings and shell). Punctuation at its end, such as the `)` that
 * closes a Falco output, is masked with it: giving it back could show a fifth character of a secret.
 * Every part is greedy and cannot fail once started, so no input makes the engine backtrack.
 */
const VALUE_SRC = String.raw`(?:(?<q>\\?["'])(?<qv>(?:(?!\k<q>)(?:\\.|[^\\\n]))*)(?<qc>\k<q>)?|(?<v>${MASKED_SRC}|<NA>(?!\w)|[^\s"'\x60&;]+))`;

/** Key names that hold secrets; a key matches when it ends with one (`DB_PASSWORD`, `x-api-key`). */
const SECRET_KEY_SRC = String.raw`(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key)`;

/** `-pSECRET` in a mysql command: attached only, since `-p value` asks for the password and names a database. */
const MYSQL_P = new RegExp(String.raw`(?<=[ \t])(-p)(${MASKED_SRC}|[^\s;|&]+)`, 'g');
/** `-p SECRET` or `-pSECRET` in an sshpass command. */
const SSHPASS_P = new RegExp(String.raw`(?<=[ \t])(-p[ \t]*)(${MASKED_SRC}|[^\s;|&]+)`, 'g');

function rule(r: RedactionRule & { trigger: RegExp; pattern: string; flags?: string; replace?: (match: string, g: Groups) => string }): CompiledRule {
  return { name: r.name, description: r.description, example: r.example, trigger: r.trigger, pattern: new RegExp(r.pattern, `g${r.flags ?? ''}`), ...(r.replace ? { replace: r.replace } : {}) };
}

/**
 * The rules, in the order they run. Specific formats come first (a GitHub token after `token=` is
 * masked by its own rule, and the generic key rule then sees an already masked value and keeps it).
 */
const RULES: readonly CompiledRule[] = [
  rule({
    name: 'private-key-block',
    description: 'PEM private key blocks (`-----BEGIN … PRIVATE KEY-----` to its END line, or to the end of the text when cut short).',
    example: ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY-----MIIE…[redacted]-----END RSA PRIVATE KEY-----'],
    trigger: /PRIVATE KEY-----/,
    pattern: String.raw`(?<pre>-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----)\s*(?<v>(?:(?!-----(?:END|BEGIN) )[\s\S])*)(?<post>-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----)?`,
  }),
  rule({
    name: 'aws-access-key-id',
    description: 'AWS access key ids: `AKIA` or `ASIA` and 16 more capitals or digits.',
    example: ['AKIAIOSFODNN7EXAMPLE', 'AKIA…[redacted]'],
    trigger: /A[KS]IA/,
    pattern: String.raw`(?<![A-Za-z0-9])(?<v>A[KS]IA[A-Z0-9]{16})(?![A-Za-z0-9])`,
  }),
  rule({
    name: 'github-token',
    description: 'GitHub tokens: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and `github_pat_`.',
    example: ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_…[redacted]'],
    trigger: /gh[pousr]_|github_pat_/,
    pattern: String.raw`(?<![A-Za-z0-9_])(?<v>gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})`,
  }),
  rule({
    name: 'slack-token',
    description: 'Slack tokens: `xoxa-`, `xoxb-`, `xoxp-`, `xoxr-`.',
    example: ['xoxb-1234567890-abcdefghij', 'xoxb…[redacted]'],
    trigger: /xox[abpr]-/,
    pattern: String.raw`(?<![A-Za-z0-9_-])(?<v>xox[abpr]-[A-Za-z0-9-]{8,})`,
  }),
  rule({
    name: 'jwt',
    description: 'JSON Web Tokens: three base64url parts separated by dots, the first starting `eyJ`.',
    example: ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'eyJh…[redacted]'],
    trigger: /eyJ/,
    pattern: String.raw`(?<![A-Za-z0-9_-])(?<v>eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)`,
  }),
  rule({
    name: 'url-credentials',
    description: 'The password of a URL with credentials: `scheme://user:password@host`.',
    example: ['postgres://app:hunter22@db:5432/app', 'postgres://app:hunt…[redacted]@db:5432/app'],
    trigger: /:\/\/[^\s/]*@/,
    pattern: String.raw`(?<![A-Za-z0-9+.-])(?<pre>[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@:]*:)(?<v>[^\s/?#]+)(?=@)`,
  }),
  rule({
    name: 'bearer-token',
    description: 'HTTP credentials: `Bearer x` anywhere, `Authorization: Basic x` and `Authorization: token x`.',
    example: ['Authorization: Bearer abcdef123456', 'Authorization: Bearer abcd…[redacted]'],
    trigger: /bearer|authorization/i,
    pattern: String.raw`(?<![A-Za-z0-9_-])(?<pre>(?:bearer|authorization["']?${SEPARATOR_SRC}["']?(?:basic|token))[ \t]+)(?<v>${MASKED_SRC}|[A-Za-z0-9._~+/-]+=*)`,
    flags: 'i',
  }),
  rule({
    name: 'aws-secret-access-key',
    description: 'AWS secret keys in pairs: `aws_secret_access_key=…`, `AWS_SECRET_ACCESS_KEY: …`, `"SecretAccessKey": "…"`.',
    example: ['aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key=wJal…[redacted]'],
    trigger: /secret_?access_?key/i,
    pattern: String.raw`(?<![\w.-])(?<pre>[\w.-]*secret_?access_?key["']?${SEPARATOR_SRC})${VALUE_SRC}`,
    flags: 'i',
  }),
  rule({
    name: 'secret-flag',
    description:
      'Command-line flags that take a secret: `--password x`, `--password=x`, `--db-password x`, `--token x`, `--api-key=x`, and single-dash `-password x` (a single-dash flag is the secret word alone: `-ppassword` is mysql\'s attached password, not a flag).',
    example: ['mysql --password=hunter22 -h db', 'mysql --password=hunt…[redacted] -h db'],
    trigger: /pass|pwd|secret|token|key/i,
    pattern: String.raw`(?<![\w-])(?<pre>(?:--[\w-]*|-)${SECRET_KEY_SRC}(?:=|[ \t]+))(?!-)${VALUE_SRC}`,
    flags: 'i',
  }),
  rule({
    name: 'mysql-password-option',
    description: 'The attached password option of MySQL and MariaDB clients (`mysql -psecret`) and `sshpass -p secret`.',
    example: ['mysql -uroot -phunter22 app', 'mysql -uroot -phunt…[redacted] app'],
    trigger: /mysql|mariadb|sshpass/i,
    // One match per command: up to `;`, `|`, `&`, a line end or the next mysql/sshpass word, so a
    // text full of "mysql" is read once and each command's options are read with its own rule.
    pattern: String.raw`(?<![\w-])(?:(?<mysql>mysql|mariadb)|sshpass)(?:(?!(?<![\w-])(?:mysql|mariadb|sshpass))[^\n;|&])*`,
    flags: 'i',
    replace: (command, g) => command.replace(g.mysql !== undefined ? MYSQL_P : SSHPASS_P, (_m, pre: string, v: string) => `${pre}${maskSecret(v)}`),
  }),
  rule({
    name: 'secret-key-value',
    description:
      'KEY=value and KEY: value pairs whose key ends in password, passwd, passphrase, pwd, secret, token, api_key, access_key, secret_key or private_key, in any case, quoted or not (`DB_PASSWORD=x`, `"token": "x"`, `X-Api-Key: x`); a `PWD` holding a path is the working directory and is kept, and so is `secret=NAME` in a Falco output about a Kubernetes Secret (one that also says `resource=secrets`): it names the Secret object, not its contents.',
    example: ['user=app password=hunter22 db=prod', 'user=app password=hunt…[redacted] db=prod'],
    trigger: /pass|pwd|secret|token|key/i,
    pattern: String.raw`(?<![\w.-])(?<pre>(?<key>[\w.-]*${SECRET_KEY_SRC})["']?${SEPARATOR_SRC})${VALUE_SRC}`,
    flags: 'i',
  }),
];

/** One cheap test for all rules: text that fails it cannot hold anything to mask. */
const PRECHECK = new RegExp(RULES.map((r) => r.trigger.source).join('|'), 'i');

/** The rules, for the README and `--help`: name, description and an example each. */
export const REDACTION_RULES: readonly RedactionRule[] = RULES.map(({ name, description, example }) => ({ name, description, example }));

/** How the k8s_audit rules about Secrets write the resource in their outputs (`resource=%ka.target.resource`). */
const RESOURCE_SECRETS = /(?<![\w.-])resource=secrets(?![\w.-])/;

/** The replacement function of a rule: keeps `pre`, quotes and `post`, masks the value. */
function replacer(ruleName: string, own?: (match: string, g: Groups) => string): (...args: unknown[]) => string {
  return (...args: unknown[]): string => {
    const match = args[0] as string;
    const g = args[args.length - 1] as Groups;
    if (own) return own(match, g);
    if (ruleName === 'secret-key-value' && g.key !== undefined) {
      // `PWD=/root` is the shell's working directory, not a password.
      if (/pwd$/i.test(g.key) && (g.v ?? g.qv ?? '').startsWith('/')) return match;
      // `K8s Secret Created (... secret=db-creds ns=shop resource=secrets ...)`: the Secret's name.
      if (g.key === 'secret' && RESOURCE_SECRETS.test(args[args.length - 2] as string)) return match;
    }
    const pre = g.pre ?? '';
    if (g.q !== undefined) return `${pre}${g.q}${maskSecret(g.qv ?? '')}${g.qc ?? ''}`;
    if (ruleName === 'private-key-block') return `${pre}${maskSecret(g.v?.trim() || REDACTED)}${g.post ?? ''}`;
    return `${pre}${maskSecret(g.v ?? '')}${g.post ?? ''}`;
  };
}

const REPLACERS = new Map(RULES.map((r) => [r.name, replacer(r.name, r.replace)]));

/**
 * Masks the secrets in a text (see REDACTION_RULES): each keeps its first 4 characters, then `…` and
 * `[redacted]`. Text with no candidate costs one regular-expression test. Idempotent.
 */
export function redactText(s: string): string {
  if (s.length < 5 || !PRECHECK.test(s)) return s;
  let out = s;
  for (const r of RULES) {
    if (!r.trigger.test(out)) continue;
    out = out.replace(r.pattern, REPLACERS.get(r.name) as (...args: unknown[]) => string);
  }
  return out;
}

/**
 * Redacts a field value: strings are masked, arrays and plain objects are redacted member by member,
 * anything else (numbers, exact big numbers, booleans, null) is returned as it is. Returns the same
 * object when nothing changed.
 */
export function redactValue<T>(v: T): T {
  if (typeof v === 'string') return redactText(v) as T;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const r = redactValue(v[i] as unknown);
      if (r !== v[i]) (copy ??= v.slice())[i] = r;
    }
    return (copy ?? v) as T;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  // Only plain data objects are walked: an ExactNumber or any class instance is not text.
  if (proto !== null && proto !== Object.prototype) return v;
  let copy: Record<string, unknown> | undefined;
  const obj = v as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const r = redactValue(obj[k]);
    if (r !== obj[k]) {
      // defineProperty, not assignment: a `__proto__` key stays a plain key of the copy.
      copy ??= Object.defineProperties(Object.create(proto) as Record<string, unknown>, Object.getOwnPropertyDescriptors(obj));
      Object.defineProperty(copy, k, { value: r, enumerable: true, writable: true, configurable: true });
    }
  }
  return (copy ?? v) as T;
}
