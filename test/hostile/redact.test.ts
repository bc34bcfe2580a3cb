// --redact: every rule masks with at most 4 visible characters, leaves other text alone, and is idempotent.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactNumber } from '../../src/alert/json-text.js';
import { maskSecret, REDACTED, REDACTION_RULES, redactText, redactValue } from '../../src/escape/redact.js';
import { CORPUS } from '../helpers.js';

const M = `…${REDACTED}`;

/** Inputs and what each rule makes of them; every rule has cases, so a new rule needs new cases. */
const CASES: Record<string, [input: string, output: string][]> = {
  'private-key-block': [
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----', `-----BEGIN RSA PRIVATE KEY-----MIIE${M}-----END RSA PRIVATE KEY-----`],
    ['key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1r (cut short', `key: -----BEGIN OPENSSH PRIVATE KEY-----b3Bl${M}`],
    ['-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY----- tail', `-----BEGIN PRIVATE KEY-----${REDACTED}-----END PRIVATE KEY----- tail`],
  ],
  'aws-access-key-id': [
    ['aws s3 ls --profile x # AKIAIOSFODNN7EXAMPLE', `aws s3 ls --profile x # AKIA${M}`],
    ['ASIAY34FZKBOKMUTVV7A,AKIAIOSFODNN7EXAMPLE', `ASIA${M},AKIA${M}`],
  ],
  'github-token': [
    ['git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r', `git clone https://ghp_${M}@github.com/o/r`],
    ['GH=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', `GH=gith${M}`],
    ['gho_16C7e42F292c6912E7710c838347Ae178B4a ghs_16C7e42F292c6912E7710c838347Ae178B4a', `gho_${M} ghs_${M}`],
  ],
  'slack-token': [['curl -d token=xoxb-2048-1024-AbCdEfGhIjKl', `curl -d token=xoxb${M}`]],
  jwt: [
    ['cookie eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk end', `cookie eyJh${M} end`],
    ['alg none: eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', `alg none: eyJh${M}`],
  ],
  'url-credentials': [
    ['postgres://app:s3cretPass@db:5432/app', `postgres://app:s3cr${M}@db:5432/app`],
    ['redis://:hunter22@cache:6379 and https://u:p@ss@h/', `redis://:hunt${M}@cache:6379 and https://u:${REDACTED}@h/`],
  ],
  'bearer-token': [
    ['curl -H "Authorization: Bearer abcdef.123456"', `curl -H "Authorization: Bearer abcd${M}"`],
    ['authorization: basic dXNlcjpwYXNzd29yZA==', `authorization: basic dXNl${M}`],
    ['Authorization: token 0123456789abcdef', `Authorization: token 0123${M}`],
    ['bearer xyz', `bearer ${REDACTED}`],
  ],
  'aws-secret-access-key': [
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', `aws_secret_access_key = wJal${M}`],
    ['{"SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', `{"SecretAccessKey":"wJal${M}"}`],
    ['export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY;', `export AWS_SECRET_ACCESS_KEY=wJal${M};`],
  ],
  'secret-flag': [
    ['mysql --password hunter22 -h db', `mysql --password hunt${M} -h db`],
    ['app --db-password="pa ss word" --token=abcdefgh -v', `app --db-password="pa s${M}" --token=abcd${M} -v`],
    ['vault -token s.abcdefgh', `vault -token s.ab${M}`],
    ['app --password -v --token-file=/run/token', 'app --password -v --token-file=/run/token'],
  ],
  'mysql-password-option': [
    ['mysql -u root -phunter22 db', `mysql -u root -phunt${M} db`],
    ['mysqldump -uroot -p"s3cr3t!" --all-databases | gzip', `mysqldump -uroot -p"s3c${M} --all-databases | gzip`],
    ['mariadb -ps3cr3t; ssh -p2222 host; mysql -p db', `mariadb -ps3cr${M}; ssh -p2222 host; mysql -p db`],
    ['sshpass -p Secr3tPw ssh root@h', `sshpass -p Secr${M} ssh root@h`],
  ],
  'secret-key-value': [
    ['user=app password=hunter22 db=prod', `user=app password=hunt${M} db=prod`],
    ['DB_PASSWORD=abc MYSQL_PWD=xyzzy12 PWD=/root OLDPWD=/home/x', `DB_PASSWORD=${REDACTED} MYSQL_PWD=xyzz${M} PWD=/root OLDPWD=/home/x`],
    ['{"password":"hunter2","user":"x"}', `{"password":"hunt${M}","user":"x"}`],
    ['{"client_secret": "it\\"s s3cret"}', `{"client_secret": "it\\"${M}"}`],
    ["api_key: 'abc def ghi'", `api_key: 'abc ${M}'`],
    ['X-Api-Key: 0123456789', `X-Api-Key: 0123${M}`],
    ['GET /cb?access_token=abcdef123&state=x', `GET /cb?access_token=abcd${M}&state=x`],
    // The `)` that closes a Falco output is masked with the value: it could be the secret's fifth character.
    ['(user=root token=abcdefgh)', `(user=root token=abcd${M}`],
    ['Server=db;Password=hunter22;Database=app', `Server=db;Password=hunt${M};Database=app`],
    ['secret=<NA> token= passwd="" pwd=', 'secret=<NA> token= passwd="" pwd='],
    // A k8s_audit output names the Secret object: kept. Elsewhere, or with another resource, masked.
    ['K8s Secret Created (user=jane secret=db-creds ns=shop resource=secrets resp=201)', 'K8s Secret Created (user=jane secret=db-creds ns=shop resource=secrets resp=201)'],
    ['K8s Secret Created (user=jane secret=db-creds token=abcdefgh resource=secrets)', `K8s Secret Created (user=jane secret=db-creds token=abcd${M} resource=secrets)`],
    ['app --secret=hunter22 resource=secretsx', `app --secret=hunt${M} resource=secretsx`],
    ['SECRET=hunter22 resource=secrets', `SECRET=hunt${M} resource=secrets`],
    ['[default]\naws_access_key_id = AKIA_NOT_A_KEY\npassword = hunter22\ntoken:\nnext line', `[default]\naws_access_key_id = AKIA_NOT_A_KEY\npassword = hunt${M}\ntoken:\nnext line`],
  ],
};

/** Text with no secret in it: commands, paths, words close to the keys, flags that are not secrets. */
const NORMAL = [
  'Terminal shell in container (user=root container_id=3ad7b26ded6d shell=bash parent=runc cmdline=bash -il)',
  'PWD=/root HOME=/root PATH=/usr/local/sbin:/usr/local/bin',
  'ssh -p 2222 host; mkdir -p /tmp/x; docker run -p8080:80 nginx; tar -xpf a.tar',
  'kubectl get secrets -n kube-system; cat /var/run/secrets/kubernetes.io/serviceaccount/token',
  'app --token-file=/run/token --password-file=/etc/pw tokenizer=fast tokens=5',
  'Asia/Tokyo ASIA AKIA-short eyJ x.y.z https://example.com/path ftp://host/file git@github.com:o/r.git',
  'user@example.com visited https://user@example.com/ (no password)',
  '',
  'ok',
];

describe('redactText', () => {
  it('has cases for every rule, and every rule has a name, a description and a true example', () => {
    expect(REDACTION_RULES.map((r) => r.name).sort()).toEqual(Object.keys(CASES).sort());
    for (const r of REDACTION_RULES) {
      expect(r.name).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(r.description.length).toBeGreaterThan(20);
      expect(redactText(r.example[0]), r.name).toBe(r.example[1]);
    }
  });

  for (const [rule, cases] of Object.entries(CASES)) {
    it(`${rule}: masks with the first 4 characters, …, and the marker`, () => {
      for (const [input, output] of cases) expect(redactText(input), input).toBe(output);
    });
  }

  it('leaves text without secrets untouched', () => {
    for (const s of NORMAL) expect(redactText(s)).toBe(s);
  });

  it('leaves the shared corpus of public alerts untouched, but for the two secrets it holds', () => {
    const changed: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        if (redactText(v) !== v) changed.push(redactText(v));
      } else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
    };
    for (const l of readFileSync(`${CORPUS}public-alerts.jsonl`, 'utf8').split('\n')) {
      try {
        walk(JSON.parse(l));
      } catch {
        // not JSON: the malformed lines of the corpus
      }
    }
    for (const l of readFileSync(`${CORPUS}public-text-alerts.log`, 'utf8').split('\n')) walk(l);
    expect(changed.map((c) => /\S*…\[redacted\]/.exec(c)?.[0])).toEqual(['MY-K…[redacted]', '-ppass…[redacted]']);
  });

  it('is idempotent on every case', () => {
    for (const [input] of [...Object.values(CASES).flat(), ...REDACTION_RULES.map((r) => r.example)]) {
      const once = redactText(input);
      expect(redactText(once), input).toBe(once);
    }
  });

  /** Each rule's context, with a secret of random characters placed in it. */
  const CONTEXTS: [rule: string, secret: fc.Arbitrary<string>, place: (s: string) => string][] = [
    ['private-key-block', fc.base64String({ minLength: 8, maxLength: 64 }), (s) => `-----BEGIN EC PRIVATE KEY-----\n${s}\n-----END EC PRIVATE KEY-----`],
    ['aws-access-key-id', fc.stringMatching(/^AKIA[A-Z0-9]{16}$/), (s) => `id ${s} used`],
    ['github-token', fc.stringMatching(/^ghp_[A-Za-z0-9]{36}$/), (s) => `token ${s}.`],
    ['slack-token', fc.stringMatching(/^xoxp-[0-9]{4,12}-[A-Za-z0-9]{8,24}$/), (s) => `slack ${s}`],
    ['jwt', fc.stringMatching(/^eyJ[A-Za-z0-9_-]{8,30}\.eyJ[A-Za-z0-9_-]{8,30}\.[A-Za-z0-9_-]{0,30}$/), (s) => `jwt=${s}`],
    ['url-credentials', fc.stringMatching(/^[A-Za-z0-9!$%*+~-]{5,30}$/), (s) => `mongodb://admin:${s}@db.internal:27017/x`],
    ['bearer-token', fc.stringMatching(/^[A-Za-z0-9._~+/-]{5,40}$/), (s) => `Authorization: Bearer ${s}`],
    ['aws-secret-access-key', fc.stringMatching(/^[A-Za-z0-9/+]{40}$/), (s) => `aws_secret_access_key=${s}`],
    ['secret-flag', fc.stringMatching(/^[A-Za-z0-9!@#%^*+=_.-]{5,30}$/).filter((s) => !s.startsWith('-')), (s) => `cmd --password ${s} --verbose`],
    ['mysql-password-option', fc.stringMatching(/^[A-Za-z0-9!@#%^*+=_.]{5,30}$/), (s) => `mysql -uroot -p${s} appdb`],
    ['secret-key-value', fc.string({ unit: 'grapheme', minLength: 5, maxLength: 30 }).filter((s) => !/["\\\n\r…]|\[redacted\]/.test(s) && s.trim() === s), (s) => `{"db_password": "${s}"}`],
  ];

  it.each(CONTEXTS)('%s: random secrets show 4 characters at most, and never themselves', (_rule, secret, place) => {
    fc.assert(
      fc.property(secret, (s) => {
        const out = redactText(place(s));
        const first = Array.from(s).slice(0, 4).join('');
        expect(out).toContain(`${first}${M}`);
        expect(out).not.toContain(Array.from(s).slice(0, 5).join(''));
        expect(redactText(out)).toBe(out);
      }),
      { seed: 20_240_502, numRuns: 30 },
    );
  });

  it('is idempotent on random text mixed with secrets (fast-check)', () => {
    const piece = fc.oneof(
      fc.constantFrom(...Object.values(CASES).flat().map(([input]) => input), 'password=', 'token: ', '--password ', '-p', 'mysql ', 'Bearer ', '://u:', '@h', '"', "'", ' ', '\n', ')', '…', REDACTED, 'AKIA', 'eyJ', '.'),
      fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const once = redactText(parts.join(''));
        expect(redactText(once)).toBe(once);
      }),
      { seed: 20_240_503, numRuns: 300 },
    );
  });

  it('stays linear on hostile input (no backtracking blow-up)', () => {
    const inputs = [
      'a'.repeat(1 << 20),
      `${'a'.repeat(1 << 20)}password`,
      'password="'.repeat(100_000),
      'mysql '.repeat(150_000),
      'x://a:'.repeat(150_000),
      '-----BEGIN PRIVATE KEY-----'.repeat(30_000),
      'token=))))'.repeat(100_000),
      `${'a.'.repeat(400_000)}token`,
      'eyJaaaa.'.repeat(100_000),
      `${'--'.repeat(400_000)}password`,
      'Bearer '.repeat(100_000),
    ];
    for (const s of inputs) {
      const t = performance.now();
      redactText(s);
      // Generous: a quadratic pattern would take minutes on these, not a second.
      expect(performance.now() - t, s.slice(0, 20)).toBeLessThan(2_000);
    }
  });
});

describe('maskSecret', () => {
  it('keeps 4 code points, masks short values fully, and keeps placeholders and masked values', () => {
    expect(maskSecret('hunter22')).toBe(`hunt${M}`);
    expect(maskSecret('abcd')).toBe(REDACTED);
    expect(maskSecret('a')).toBe(REDACTED);
    expect(maskSecret('😀😀😀😀😀x')).toBe(`😀😀😀😀${M}`);
    expect(maskSecret('<NA>')).toBe('<NA>');
    expect(maskSecret('')).toBe('');
    expect(maskSecret(`hunt${M}`)).toBe(`hunt${M}`);
    expect(maskSecret(REDACTED)).toBe(REDACTED);
  });
});

describe('redactValue', () => {
  it('masks strings, walks arrays and objects, and leaves numbers, booleans and null alone', () => {
    const big = new ExactNumber('1795786844385152581');
    expect(redactValue('password=hunter22')).toBe(`password=hunt${M}`);
    expect(redactValue(42)).toBe(42);
    expect(redactValue(-0)).toBe(-0);
    expect(redactValue(big)).toBe(big);
    expect(redactValue(true)).toBe(true);
    expect(redactValue(null)).toBe(null);
    expect(redactValue(['x', 'token=abcdefgh', 7])).toEqual(['x', `token=abcd${M}`, 7]);
    expect(redactValue({ a: { b: 'Bearer abcdefgh' }, n: big })).toEqual({ a: { b: `Bearer abcd${M}` }, n: big });
  });

  it('returns the same object when nothing changes, and copies without touching the input when something does', () => {
    const clean = { a: 'x', b: [1, 'y'] };
    expect(redactValue(clean)).toBe(clean);
    const dirty = { a: 'password=hunter22', b: ['ok'] };
    const out = redactValue(dirty);
    expect(out).not.toBe(dirty);
    expect(dirty.a).toBe('password=hunter22');
    expect(out.b).toBe(dirty.b);
  });

  it('keeps prototype-free objects prototype-free and __proto__ a plain key', () => {
    const fields = JSON.parse('{"__proto__": "token=abcdefgh", "constructor": "password=hunter22"}') as Record<string, unknown>;
    Object.setPrototypeOf(fields, null);
    const out = redactValue(fields);
    expect(Object.getPrototypeOf(out)).toBe(null);
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor']);
    expect(out['__proto__']).toBe(`token=abcd${M}`);
    const plain = JSON.parse('{"__proto__": "token=abcdefgh"}') as Record<string, unknown>;
    const copy = redactValue(plain);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(copy, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).token).toBeUndefined();
  });
});
