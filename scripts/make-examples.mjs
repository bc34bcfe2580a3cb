#!/usr/bin/env node
// Writes examples/mixed.ndjson and examples/k8s-audit.json: realistic alerts in Falco 0.39+ JSON output form.
// The values are invented for the examples (pod names, IPs, times); the shapes follow Falco's default rules.
import { writeFileSync } from 'node:fs';

const base = Date.parse('2026-11-27T09:12:03Z') * 1e6; // nanoseconds
let ns = BigInt(base);
const tick = (ms) => {
  ns += BigInt(Math.round(ms * 1e6)) + 123457n;
  return ns;
};
const iso = (n) => {
  const ms = Number(n / 1000000n);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(n % 1000000000n).padStart(9, '0')}Z`;
};
const ctx = (pod, ns_, id, image, tag) => ({
  'container.id': id,
  'container.name': pod.split('-')[0],
  'container.image.repository': image,
  'container.image.tag': tag,
  'k8s.ns.name': ns_,
  'k8s.pod.name': pod,
});
// The labels Falco's default outputs print for these fields.
const LABELS = {
  'user.name': 'user', 'proc.name': 'process', 'proc.pname': 'parent', 'proc.cmdline': 'command', 'proc.tty': 'terminal',
  'evt.arg.flags': 'exe_flags', 'fd.name': 'file', 'proc.aname[2]': 'gparent', 'proc.aname[3]': 'ggparent', 'proc.aname[4]': 'gggparent',
};
function alert(rule, priority, tags, message, fields, hostname = 'ip-10-0-3-17') {
  const t = tick(1800);
  const output_fields = { ...fields, 'evt.time': `@@${t}@@` };
  const text = Object.entries(fields).map(([k, v]) => `${LABELS[k] ?? k.replace(/[.[\]]+/g, '_').replace(/_$/, '')}=${v ?? '<NA>'}`).join(' ');
  const stamp = iso(t).replace('Z', '+0000');
  return JSON.stringify({
    hostname,
    output: `${stamp}: ${priority} ${message} | ${text}`,
    output_fields,
    priority,
    rule,
    source: 'syscall',
    tags,
    time: iso(t),
  }).replace(/"@@(\d+)@@"/, '$1');
}

const web = ctx('checkout-7d9f8b6c5-x2kqp', 'shop', 'a1b2c3d4e5f6', 'registry.example.com/shop/checkout', '2.14.1');
const web2 = ctx('checkout-7d9f8b6c5-m8zrt', 'shop', 'b7c8d9e0f1a2', 'registry.example.com/shop/checkout', '2.14.1');
const proc = (name, cmd, parent, user = 'root', uid = 0, extra = {}) => ({
  'evt.type': 'execve',
  'user.name': user,
  'user.uid': uid,
  'user.loginuid': -1,
  'proc.name': name,
  'proc.exepath': `/bin/${name}`,
  'proc.pname': parent,
  'proc.cmdline': cmd,
  'proc.tty': 34816,
  'evt.arg.flags': 'EXE_WRITABLE|EXE_LOWER_LAYER',
  ...extra,
});
const shellTags = ['T1059', 'container', 'maturity_stable', 'mitre_execution', 'shell'];
const lines = [
  'Sat Nov 27 09:12:01 2026: Falco version: 0.42.0 (x86_64)',
  'Sat Nov 27 09:12:01 2026: Loading rules from: /etc/falco/falco_rules.yaml',
  alert('Terminal shell in container', 'Notice', shellTags, 'A shell was spawned in a container with an attached terminal', { ...proc('bash', 'bash', 'runc'), ...web }),
  alert('Read sensitive file untrusted', 'Warning', ['T1555', 'container', 'filesystem', 'host', 'maturity_stable', 'mitre_credential_access'], 'Sensitive file opened for reading by non-trusted program', {
    'fd.name': '/etc/shadow', 'proc.aname[2]': 'runc', 'proc.aname[3]': 'containerd-shim', 'proc.aname[4]': 'systemd', ...proc('cat', 'cat /etc/shadow', 'bash'), 'evt.type': 'openat', ...web }),
  alert('Terminal shell in container', 'Notice', shellTags, 'A shell was spawned in a container with an attached terminal', { ...proc('sh', 'sh -c uname -a', 'runc'), ...web2 }),
  alert('Drop and execute new binary in container', 'Critical', ['T1610', 'TA0003', 'container', 'maturity_stable', 'mitre_persistence', 'process'], 'Executing binary not part of base image', {
    'proc.exe': '/tmp/kdevtmpfsi', 'proc.sname': 'bash', 'proc.aname[2]': 'runc', 'proc.cwd': '/tmp/', ...proc('kdevtmpfsi', '/tmp/kdevtmpfsi --pool stratum+tcp://198.51.100.7:3333', 'bash', 'root', 0, { 'proc.exepath': '/tmp/kdevtmpfsi', 'evt.arg.flags': 'EXE_WRITABLE|EXE_UPPER_LAYER' }), ...web }),
  alert('Contact K8S API Server From Container', 'Notice', ['T1565', 'container', 'k8s', 'maturity_stable', 'mitre_discovery', 'network'], 'Unexpected connection to K8s API Server from container', {
    'fd.name': '10.244.1.17:51234->10.96.0.1:443', 'fd.lport': 51234, 'fd.rport': 443, 'fd.type': 'ipv4', 'fd.l4proto': 'tcp', ...proc('curl', 'curl -sk https://10.96.0.1/api/v1/namespaces/shop/secrets', 'bash'), 'evt.type': 'connect', ...web }),
  '{"output":"Falco internal: syscall event drop. 1514 system calls dropped in last second.","output_fields":{"ebpf_enabled":"1","n_drops":"1514","n_drops_buffer_clone_fork_enter":"0","n_drops_buffer_total":"1514","n_drops_bug":"0","n_drops_pf":"0","n_evts":"48217"},"priority":"Critical","rule":"Falco internal: syscall event drop","time":"2026-11-27T09:12:20.000000000Z","hostname":"ip-10-0-3-17"}',
  alert('Terminal shell in container', 'Notice', shellTags, 'A shell was spawned in a container with an attached terminal', { ...proc('bash', 'bash -il', 'runc'), ...web }),
  '{"rule":"Terminal shell in container","priority":"Urgent","time":"2026-11-27T09:12:30Z","output":"bad priority from a broken forwarder"}',
];
writeFileSync(new URL('../examples/mixed.ndjson', import.meta.url), `${lines.join('\n')}\n`);

const k8s = {
  hostname: 'falco-k8saudit-5c9d7b9f6d-7xk2p',
  output: '09:40:12.482113000: Notice Attach/Exec to pod (user=jane@example.com pod=payments-api-6b8f9d7c4-qv2lm resource=pods ns=payments action=exec command=bash)',
  output_fields: {
    'evt.time': 1795772412482113000,
    'ka.target.name': 'payments-api-6b8f9d7c4-qv2lm',
    'ka.target.namespace': 'payments',
    'ka.target.resource': 'pods',
    'ka.target.subresource': 'exec',
    'ka.uri.param[command]': 'bash',
    'ka.user.name': 'jane@example.com',
  },
  priority: 'Notice',
  rule: 'Attach/Exec Pod',
  source: 'k8s_audit',
  tags: ['k8s'],
  time: '2026-11-27T09:40:12.482113000Z',
};
writeFileSync(new URL('../examples/k8s-audit.json', import.meta.url), `${JSON.stringify(k8s, null, 2)}\n`);
