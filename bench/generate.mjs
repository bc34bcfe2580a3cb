// Deterministic realistic Falco alerts for the benchmark: several rules and sources, varied values, a few bad lines.
// Usage: node bench/generate.mjs COUNT [SEED] > file.ndjson   (or import { alertLines } from it)

/** A small seeded PRNG (mulberry32), so every run generates the same alerts. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMESPACES = ['shop', 'payments', 'kube-system', 'monitoring', 'ci', 'default'];
const IMAGES = ['registry.example.com/shop/checkout', 'docker.io/library/nginx', 'quay.io/prometheus/node-exporter', 'ghcr.io/acme/api', 'docker.io/library/postgres'];
const PROCS = [['bash', 'runc'], ['sh', 'containerd-shim'], ['cat', 'bash'], ['curl', 'sh'], ['python3', 'gunicorn'], ['apt-get', 'sh']];

const SYSCALL_RULES = [
  ['Terminal shell in container', 'Notice', ['T1059', 'container', 'maturity_stable', 'mitre_execution', 'shell'], 'A shell was spawned in a container with an attached terminal'],
  ['Read sensitive file untrusted', 'Warning', ['T1555', 'container', 'filesystem', 'host', 'maturity_stable', 'mitre_credential_access'], 'Sensitive file opened for reading by non-trusted program'],
  ['Drop and execute new binary in container', 'Critical', ['T1610', 'container', 'maturity_stable', 'mitre_persistence', 'process'], 'Executing binary not part of base image'],
  ['Contact K8S API Server From Container', 'Notice', ['T1565', 'container', 'k8s', 'maturity_stable', 'mitre_discovery', 'network'], 'Unexpected connection to K8s API Server from container'],
  ['Run shell untrusted', 'Notice', ['T1059.004', 'container', 'host', 'maturity_stable', 'mitre_execution', 'process', 'shell'], 'Shell spawned by untrusted binary'],
  ['Detect outbound to crypto pool [custom]', 'Error', ['container', 'network', 'mitre_impact'], 'Outbound connection to a mining pool'],
];

function pick(r, list) {
  return list[Math.floor(r() * list.length)];
}

/**
 * The workloads alerts come from: 2,000 containers in 600 pods on 40 nodes. Real streams repeat a
 * few noisy workloads (a skewed pick: most alerts from the first few hundred), not a new container
 * per alert.
 */
function workloads(r) {
  const out = [];
  for (let i = 0; i < 2000; i++) {
    const image = pick(r, IMAGES);
    const pod = `${image.split('/').pop()}-${(i % 600).toString(36)}${Math.floor(r() * 0xfffff).toString(36)}`;
    out.push({
      host: `ip-10-0-${i % 8}-${(i * 7) % 250}`,
      cid: Math.floor(r() * 0xffffffffffff).toString(16).padStart(12, '0'),
      image,
      tag: pick(r, ['latest', '1.27.3', '2.14.1']),
      ns: pick(r, NAMESPACES),
      pod,
    });
  }
  return out;
}

/** Generates `count` NDJSON lines; about 1 in 10,000 is deliberately bad. */
export function* alertLines(count, seed = 42) {
  const r = rng(seed);
  const pool = workloads(r);
  let ns = 1795770000000000000n;
  for (let i = 0; i < count; i++) {
    ns += BigInt(Math.floor(r() * 5e7));
    if (i % 10007 === 5000) {
      yield i % 2 === 0 ? '{"rule":"Broken forwarder","priority":"Urgent","time":"2026-11-27T09:00:00Z"}' : '{"rule":"Truncated","priority":"Notice","output_fields":{"proc.name":"ba';
      continue;
    }
    const secs = ns / 1000000000n;
    const time = `${new Date(Number(secs) * 1000).toISOString().slice(0, 19)}.${String(ns % 1000000000n).padStart(9, '0')}Z`;
    const w = pool[Math.floor(r() ** 3 * pool.length)];
    const host = w.host;
    if (r() < 0.08) {
      const user = `user${Math.floor(r() * 40)}@example.com`;
      const pod = `api-${Math.floor(r() * 9000).toString(16)}`;
      const nsName = pick(r, NAMESPACES);
      yield JSON.stringify({
        hostname: 'falco-k8saudit-0',
        output: `${time}: Notice Attach/Exec to pod (user=${user} pod=${pod} resource=pods ns=${nsName} action=exec command=bash)`,
        output_fields: { 'ka.target.name': pod, 'ka.target.namespace': nsName, 'ka.target.resource': 'pods', 'ka.target.subresource': 'exec', 'ka.uri.param[command]': 'bash', 'ka.user.name': user },
        priority: 'Notice',
        rule: 'Attach/Exec Pod',
        source: 'k8s_audit',
        tags: ['k8s'],
        time,
      });
      continue;
    }
    const [rule, priority, tags, message] = pick(r, SYSCALL_RULES);
    const [proc, parent] = pick(r, PROCS);
    const nsName = w.ns;
    const image = w.image;
    const cid = w.cid;
    const pod = w.pod;
    const cmd = `${proc} ${pick(r, ['-c id', '/etc/shadow', '-il', '--version', 'https://198.51.100.7/x.sh', '-c "uname -a"'])}`;
    const fields = {
      'container.id': cid,
      'container.image.repository': image,
      'container.image.tag': w.tag,
      'container.name': pod.split('-')[0],
      'evt.arg.flags': 'EXE_WRITABLE|EXE_LOWER_LAYER',
      'evt.time': `@@${ns}@@`,
      'evt.type': 'execve',
      'fd.name': proc === 'cat' ? '/etc/shadow' : null,
      'k8s.ns.name': nsName,
      'k8s.pod.name': pod,
      'proc.cmdline': cmd,
      'proc.exepath': `/usr/bin/${proc}`,
      'proc.name': proc,
      'proc.pname': parent,
      'proc.tty': r() < 0.5 ? 34816 : 0,
      'user.loginuid': -1,
      'user.name': 'root',
      'user.uid': 0,
    };
    const text = `${time.replace('Z', '+0000')}: ${priority} ${message} | user=root process=${proc} parent=${parent} command=${cmd} container_id=${cid} k8s_ns_name=${nsName} k8s_pod_name=${pod}`;
    yield JSON.stringify({ hostname: host, output: text, output_fields: fields, priority, rule, source: 'syscall', tags, time }).replace(/"@@(\d+)@@"/, '$1');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 1000);
  const seed = Number(process.argv[3] ?? 42);
  let buf = '';
  for (const line of alertLines(count, seed)) {
    buf += `${line}\n`;
    if (buf.length > 1 << 20) {
      if (!process.stdout.write(buf)) await new Promise((r) => process.stdout.once('drain', r));
      buf = '';
    }
  }
  process.stdout.write(buf);
}
