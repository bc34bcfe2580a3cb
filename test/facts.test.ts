// The generated facts (src/kb/generated) are what scripts/gen-facts.mjs makes of ../shared today.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIELD_TYPES } from '../src/kb/generated/field-types.js';
import { ROOT, SHARED } from './helpers.js';

describe('generated facts', () => {
  it('match what gen-facts.mjs makes of the shared Falco fields, rules and ATT&CK files', () => {
    const script = `import(${JSON.stringify(pathToFileURL(join(ROOT, 'scripts/gen-facts.mjs')).href)}).then((m) => process.stdout.write(JSON.stringify(m.renderFacts(process.argv[1]))))`;
    const r = spawnSync(process.execPath, ['-e', script, SHARED], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.stderr).toBe('');
    const files = JSON.parse(r.stdout) as Record<string, string>;
    expect(Object.keys(files).sort()).toEqual(['attack.ts', 'falco-fields.ts', 'field-types.ts', 'rule-formats.ts', 'rule-messages.ts']);
    for (const [name, body] of Object.entries(files)) expect(readFileSync(join(ROOT, 'src/kb/generated', name), 'utf8'), name).toBe(body);
  });
  it('type the fields that commands check as fields.json does', () => {
    const fields = JSON.parse(readFileSync(`${SHARED}falco-rules/fields.json`, 'utf8')) as { name: string; type: string }[];
    const types = new Map(FIELD_TYPES);
    for (const name of ['fd.sip', 'fd.rip', 'fd.rport', 'fd.lport', 'proc.pid', 'user.loginuid']) {
      expect(types.get(name), name).toBe(fields.find((f) => f.name === name)?.type);
    }
    expect(types.get('fd.sip')).toBe('IPADDR');
    expect(types.has('proc.name')).toBe(false);
  });
});
