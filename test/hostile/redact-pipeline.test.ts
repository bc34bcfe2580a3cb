// --redact through the whole pipeline: no secret shows more than its first 4 characters in any format.
import { describe, expect, it } from 'vitest';
import { redactAlert } from '../../src/alert/redact-alert.js';
import { redactText } from '../../src/escape/redact.js';
import { fullText, runAll, VARIANTS, type Run } from './harness.js';

/** Secrets whose first 5 characters appear nowhere else: finding those 5 in an output is a leak. */
const SECRETS = {
  password: 'Zq9vHunter2Secret',
  mysql: 'Zq9wMysqlPass',
  aws: 'AKIAZQ9V7EXAMPLE1234',
  github: 'ghp_Zq9xabcdefghijklmnopqrstuvwxyz012345',
  bearer: 'Zq9yBearerToken123',
  url: 'Zq9zUrlPass',
  key: 'MIIEZq9kKeyBody0123456789',
  reject: 'Zq8aRejectedSecret',
  skipped: 'Zq8bSkippedToken',
  text: 'Zq8cTextAlertPw',
} as const;

const ALERT = {
  time: '2024-05-01T12:00:00.000000000Z',
  rule: 'Terminal shell in container',
  priority: 'Notice',
  source: 'syscall',
  hostname: 'node-1',
  output: `Terminal shell in container (user=root password=${SECRETS.password} cmdline=mysql -uroot -p${SECRETS.mysql} db)`,
  output_fields: {
    'proc.cmdline': `mysql -uroot -p${SECRETS.mysql} db`,
    'proc.pcmdline': `curl -H "Authorization: Bearer ${SECRETS.bearer}" https://app:${SECRETS.url}@db.internal/x`,
    'proc.env': [`GITHUB_TOKEN=${SECRETS.github}`, `AWS_ACCESS_KEY_ID=${SECRETS.aws}`],
    'fd.name': `-----BEGIN RSA PRIVATE KEY-----\n${SECRETS.key}\n-----END RSA PRIVATE KEY-----`,
    'k8s.ns.name': `password=${SECRETS.password}`,
    'k8s.pod.name': 'web-0',
    'container.id': `token=${SECRETS.bearer}`,
    'evt.time': 'EVT_TIME',
  },
  tags: ['container'],
  annotations: { note: `api_key: ${SECRETS.password}` },
};

/** An alert with secrets everywhere, a record rejected for a value holding one, a log line and a text alert with one. */
const INPUT = [
  JSON.stringify(ALERT).replace('"EVT_TIME"', '1795786844385152581'),
  JSON.stringify({ ...ALERT, time: '2024-05-01T12:00:05.000000000Z' }).replace('"EVT_TIME"', '1795786844385152581'),
  JSON.stringify({ rule: 'Terminal shell in container', priority: 'Notice', time: `password=${SECRETS.reject}` }),
  `kubectl login --token=${SECRETS.skipped} failed: not an alert`,
  `12:00:00.000000000: Notice A shell was spawned in a container with an attached terminal (user=root command=mysql -p${SECRETS.text} db container_id=abc)`,
].join('\n');

function leaks(run: Run): string[] {
  const out: string[] = [];
  for (const [variant, r] of Object.entries(run.out)) {
    const text = fullText(r) + (r.error ?? '');
    for (const [name, secret] of Object.entries(SECRETS)) {
      if (text.includes(secret.slice(0, 5))) out.push(`${variant}: ${name} secret shown beyond 4 characters near ${JSON.stringify(text.slice(Math.max(0, text.indexOf(secret.slice(0, 5)) - 40), text.indexOf(secret.slice(0, 5)) + 30))}`);
    }
  }
  return out;
}

describe('--redact in every format', () => {
  let run: Promise<Run> | undefined;
  const redacted = (): Promise<Run> => (run ??= runAll(INPUT, VARIANTS, { redact: { alert: redactAlert, text: redactText } }));

  it('the input really holds the secrets (control: without --redact they show)', async () => {
    const plain = await runAll(INPUT, VARIANTS.filter((v) => v.format === 'json'));
    expect(leaks(plain).length).toBeGreaterThan(5);
  });

  it('shows no secret of an alert beyond its first 4 characters (output, fields, unknown keys, commands)', async () => {
    const r = await redacted();
    expect(r.report.totals.alerts).toBe(3);
    expect(leaks(r).filter((l) => !/: (reject|skipped) secret/.test(l))).toEqual([]);
  });

  it('keeps what is not a secret: numbers as written, the rule, the workload', async () => {
    const json = (await redacted()).out.json?.report ?? '';
    expect(json).toContain('"evt.time": 1795786844385152581');
    expect(json).toContain('"k8s.pod.name": "web-0"');
    expect(json).toContain('Terminal shell in container');
  });

  it('shows no secret quoted by a reject reason or a skipped line either', async () => {
    expect(leaks(await redacted()).filter((l) => /: (reject|skipped) secret/.test(l))).toEqual([]);
  });
});
