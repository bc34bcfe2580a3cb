import { spawnSync } from 'node:child_process';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { marked } from 'marked';
import fc from 'fast-check';
import { shellQuote } from '../src/escape/shell.js';
import { terminalSafe } from '../src/escape/terminal.js';
import { mdCode, mdFence, mdText } from '../src/escape/markdown.js';
import { cutValue, ereEscape, fillTemplate, templateVars } from '../src/enrich/fill-template.js';
import { linearRegExp } from '../src/enrich/linear-regex.js';

const HOSTILE = [
  "it's",
  '$(touch /tmp/pwned)',
  '`id`',
  'a; rm -rf /',
  'a && b | c',
  'line1\nline2',
  "'; echo owned; '",
  '\x1b]0;title\x07\x1b[31mred',
  'x\u202eevil',
  '-rf',
  '',
  '{{proc.name}}',
];

describe('shell quoting', () => {
  it('leaves plain words bare and quotes everything else', () => {
    expect(shellQuote('nginx-7f9c')).toBe('nginx-7f9c');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('-rf')).toBe("'-rf'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a\nb')).toBe("$'a\\nb'");
  });
  it('every hostile value comes back from bash as exactly one word, unchanged', () => {
    const script = HOSTILE.map((v) => `printf '%s\\0' ${shellQuote(v)}`).join('\n');
    const res = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect(res.status).toBe(0);
    expect(res.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
  });
});

describe('templates', () => {
  it('fills fields once, quotes them, and shows missing ones as placeholders', () => {
    const values: Record<string, string> = { 'ka.target.name': 'prod ns', 'proc.name': '{{ka.target.name}}' };
    const r = fillTemplate('kubectl get roles -n shop {{ka.target.name}} {{k8s.pod.name}} # {{proc.name}}', (n) => values[n]);
    expect(r.text).toBe("kubectl get roles -n shop 'prod ns' <k8s.pod.name> # '{{ka.target.name}}'");
    expect(r.missing).toEqual(['k8s.pod.name']);
    expect(templateVars('a {{x.y}} {{ z }} {{x.y}} {{proc.aname[2]}}')).toEqual(['x.y', 'z', 'proc.aname[2]']);
  });
  it('leaves out a value that starts with - where the command would take it for an option', () => {
    const values: Record<string, string> = { 'k8s.ns.name': 'prod', 'ka.target.name': '--all', 'proc.pid': '-1' };
    const look = (n: string): string | undefined => values[n];
    const del = fillTemplate('kubectl delete role -n {{k8s.ns.name}} {{ka.target.name}}', look);
    expect(del.text).toBe('kubectl delete role -n prod <ka.target.name>');
    expect(del.withheld).toEqual([{ name: 'ka.target.name', value: '--all', reason: 'option' }]);
    expect(del.missing).toEqual([]);
    // An option's value is left out too: `-n --all` is an option to some commands.
    expect(fillTemplate('kubectl get roles -n {{ka.target.name}}', look).text).toBe('kubectl get roles -n <ka.target.name>');
    // `kill -9 -1` would signal every process the user may signal.
    expect(fillTemplate('kill -9 {{proc.pid}}', look).withheld).toEqual([{ name: 'proc.pid', value: '-1', reason: 'option' }]);
    // After a pipe, `;`, `&&` or `$(` a new command's options begin.
    expect(fillTemplate('ps -o pid= -p 1 | xargs kill {{proc.pid}}', look).text).toBe('ps -o pid= -p 1 | xargs kill <proc.pid>');
    expect(fillTemplate('echo -- && kill {{proc.pid}}', look).text).toBe('echo -- && kill <proc.pid>');
    expect(fillTemplate('x=$(kill {{proc.pid}})', look).text).toBe('x=$(kill <proc.pid>)');
    expect(fillTemplate('a;{{proc.pid}}', look).text).toBe('a;<proc.pid>');
    // After variables only, the value begins the argument when they are empty (r is empty on the host).
    expect(fillTemplate('r=; cp -a "$r"{{proc.pid}} /evidence/', look).text).toBe('r=; cp -a "$r"<proc.pid> /evidence/');
    expect(fillTemplate('cat ${r}{{proc.pid}}', look).withheld).toHaveLength(1);
    // A shell variable set to a value is there to be passed on: `c=--help; crictl inspect "$c"`.
    expect(fillTemplate('c={{proc.pid}}; kill "$c"', look).text).toBe('c=<proc.pid>; kill "$c"');
  });
  it('fills a value that starts with - where it cannot be an option', () => {
    const values: Record<string, string> = { 'ka.target.name': '--all', 'proc.name': '-bash', 'container.id': 'a1-b2' };
    const look = (n: string): string | undefined => values[n];
    // Glued to text before it, the value is part of a longer word.
    expect(fillTemplate('kubectl get events --field-selector involvedObject.name={{ka.target.name}}', look).text).toBe("kubectl get events --field-selector involvedObject.name='--all'");
    expect(fillTemplate('ls /proc/{{proc.name}}/', look).withheld).toEqual([]);
    // After `--` in the same command, every word is an operand.
    const after = fillTemplate('pgrep -a -x -- {{proc.name}}', look);
    expect(after.text).toBe("pgrep -a -x -- '-bash'");
    expect(after.withheld).toEqual([]);
    // A dash inside the value is no option.
    expect(fillTemplate('crictl inspect {{container.id}}', look).text).toBe('crictl inspect a1-b2');
  });
  it('leaves out a value that does not fit its field type, wherever it stands', () => {
    const values: Record<string, string> = { 'fd.sip': '0.0.0.0/0', 'fd.rip': '2001:db8::7', 'fd.rport': '1-65535', 'fd.lport': '443', 'proc.pid': '4 2', 'user.loginuid': '1001', 'proc.name': '1-65535' };
    const look = (n: string): string | undefined => values[n];
    // An IP address field holding a network would block every destination.
    const block = fillTemplate('iptables -I OUTPUT -d {{fd.sip}} -j DROP', look);
    expect(block.text).toBe('iptables -I OUTPUT -d <fd.sip> -j DROP');
    expect(block.withheld).toEqual([{ name: 'fd.sip', value: '0.0.0.0/0', reason: 'type' }]);
    expect(fillTemplate('iptables -I OUTPUT -d {{fd.rip}} -j DROP', look).text).toBe('iptables -I OUTPUT -d 2001:db8::7 -j DROP');
    // A port range glued to `:` would select every port; a real port is filled in.
    expect(fillTemplate('lsof -nP -i :{{fd.rport}}', look).withheld).toEqual([{ name: 'fd.rport', value: '1-65535', reason: 'type' }]);
    expect(fillTemplate('lsof -nP -i :{{fd.lport}}', look).text).toBe('lsof -nP -i :443');
    expect(fillTemplate('kill {{proc.pid}}', look).withheld).toEqual([{ name: 'proc.pid', value: '4 2', reason: 'type' }]);
    expect(fillTemplate('getent passwd {{user.loginuid}}', look).text).toBe('getent passwd 1001');
    // Text fields have no form to check.
    expect(fillTemplate('pgrep -x {{proc.name|ere}}', look).text).toBe('pgrep -x 1-65535');
  });
  it('checks Kubernetes namespaces and pod names like a type, so no wildcard or list takes their place', () => {
    const restore = (ns: string) => fillTemplate('velero restore create --from-backup "$BACKUP" --include-namespaces {{ka.target.namespace}}', (n) => (n === 'ka.target.namespace' ? ns : undefined));
    expect(restore('shop-prod').text).toBe('velero restore create --from-backup "$BACKUP" --include-namespaces shop-prod');
    // velero reads `*` as every namespace and a comma as another one; no namespace name holds either.
    for (const ns of ['*', 'shop,kube-system', 'Shop', 'shop.prod', '-shop', 'a'.repeat(64)]) {
      expect(restore(ns).withheld, ns).toEqual([{ name: 'ka.target.namespace', value: ns, reason: 'type' }]);
    }
    const pod = (name: string) => fillTemplate('kubectl delete pod -n shop {{k8s.pod.name}}', (n) => (n === 'k8s.pod.name' ? name : undefined));
    expect(pod('web-7d9f8b6c5-x2kqp').withheld).toEqual([]);
    expect(pod('web.v2-0').withheld).toEqual([]);
    for (const name of ['web x', 'web,db', 'Web', 'web.', '.web', 'web..db', 'a'.repeat(254)]) {
      expect(pod(name).withheld, name).toEqual([{ name: 'k8s.pod.name', value: name, reason: 'type' }]);
    }
  });
  it("checks the github plugin's logins and owner/name like a type, so no value addresses another API path", () => {
    const remove = 'gh api -X DELETE repos/{{github.repo.name}}/collaborators/{{github.user}}';
    const fill = (values: Record<string, string>) => fillTemplate(remove, (n) => values[n]);
    expect(fill({ 'github.repo.name': 'octo-org/hello.world', 'github.user': 'mona-lisa' }).text).toBe('gh api -X DELETE repos/octo-org/hello.world/collaborators/mona-lisa');
    expect(fill({ 'github.repo.name': 'octo-org/site', 'github.user': 'dependabot[bot]' }).withheld).toEqual([]);
    expect(fill({ 'github.repo.name': 'octo-corp/site', 'github.user': 'mona_octo-corp' }).withheld).toEqual([]);
    // A user of ../../hooks/1 would delete a webhook; a query or a fragment would cut the path short.
    for (const user of ['../../hooks/1', 'mona?x=1', 'mona#', 'mona lisa', 'mona/..', '-mona', '%2e%2e']) {
      const r = fill({ 'github.repo.name': 'octo-org/site', 'github.user': user });
      expect(r.text, user).toBe('gh api -X DELETE repos/octo-org/site/collaborators/<github.user>');
      expect(r.withheld, user).toEqual([{ name: 'github.user', value: user, reason: 'type' }]);
    }
    // The repository is owner/name, never more or fewer parts, nor a dot directory (GitHub Enterprise's
    // URL, which the plugin leaves whole, is not filled in either).
    for (const repo of ['site', 'octo-org/site/hooks', 'octo-org/..', '../site', 'https://ghe.example.com/octo-org/site', 'octo-org/']) {
      expect(fill({ 'github.repo.name': repo, 'github.user': 'mona' }).withheld, repo).toEqual([{ name: 'github.repo.name', value: repo, reason: 'type' }]);
    }
  });
  it("checks the gcpaudit plugin's project, Cloud SQL, bucket, function, principal and caller values, and Okta's client address, like a type", () => {
    const fill = (template: string, name: string, value: string) => fillTemplate(template, (n) => (n === name ? value : undefined));
    const cases: [string, string, string[], string[]][] = [
      ['gcloud sql instances list --project={{gcp.projectId}}', 'gcp.projectId', ['shop-prod-4711', 'example.com:shop-prod'], ['****', 'Shop-prod', 'shop', 'shop-prod-', '1shop-prod', 'a'.repeat(31)]],
      // The KB takes the instance after the last colon ("${d##*:}"), so a value with more parts than a
      // domain, a project and an instance, or an instance starting with `-`, is not filled in.
      ['d={{gcp.cloudsql.databaseId}}; gcloud sql instances describe "${d##*:}"', 'gcp.cloudsql.databaseId', ['shop-prod-4711:orders-db', 'example.com:shop-prod:orders'], ['orders-db', 'shop-prod-4711:--authorized-networks=0.0.0.0/0', 'shop-prod-4711:Orders', 'a:b:shop-prod:orders', 'shop-prod-4711:']],
      ['b={{gcp.storage.bucket}}; gcloud logging read "resource.labels.bucket_name=\\"$b\\""', 'gcp.storage.bucket', ['shop-invoices', 'logs_2026.example.com'], ['x" OR resource.type:"', 'shop/invoices', 'Shop', 'ab', '-shop', 'a'.repeat(64)]],
      ['gcloud functions describe {{gcp.cloudfunctions.function}}', 'gcp.cloudfunctions.function', ['resize-images', 'resize_images2'], ['--region=x', '1resize', 'resize images', 'resize-']],
      ['u={{gcp.user}}; gcloud logging read "protoPayload.authenticationInfo.principalEmail=\\"$u\\""', 'gcp.user', ['ana@example.com', "o'brien@example.com", 'deploy@shop-prod-4711.iam.gserviceaccount.com'], ['ana@example.com" OR "a"="a', 'ana', 'ana@x@y', 'ana\\@example.com', 'a b@example.com']],
      ['ip={{gcp.callerIP}}; gcloud logging read "protoPayload.requestMetadata.callerIp=\\"$ip\\""', 'gcp.callerIP', ['203.0.113.7', '2001:db8::1', 'private', 'gce-internal-ip'], ['1.2.3.4" OR "x"="x', '1.2.3', 'Private']],
      ['ip={{okta.client.ip}}; curl --data-urlencode "filter=client.ipAddress eq \\"$ip\\"" "$URL"', 'okta.client.ip', ['203.0.113.7', '2001:db8::1'], ['1.2.3.4" or actor.id pr "', 'unknown']],
    ];
    for (const [template, name, good, bad] of cases) {
      for (const v of good) expect(fill(template, name, v).withheld, v).toEqual([]);
      for (const v of bad) expect(fill(template, name, v).withheld, v).toEqual([{ name, value: v, reason: 'type' }]);
    }
  });
  it('leaves out a value that would be read as several items of a list', () => {
    const values: Record<string, string> = { 'user.name': 'root,alice', 'proc.name': 'a,b c', 'ka.target.resource': 'pods,secrets', 'ka.target.name': 'web', 'k8s.pod.name': 'x,y', 'fd.name': '/tmp/a b,c' };
    const look = (n: string): string | undefined => values[n];
    // pkill -u takes a list of users: root,alice would kill sshd of root as well.
    const kill = fillTemplate('pkill -KILL -u {{user.name}} -x {{proc.name|ere}}', look);
    expect(kill.text).toBe("pkill -KILL -u <user.name> -x 'a,b c'");
    expect(kill.withheld).toEqual([{ name: 'user.name', value: 'root,alice', reason: 'list' }]);
    // Glued after the template's own items, and as --option=value.
    expect(fillTemplate('ps -o pid,args -u root,{{user.name}}', look).text).toBe('ps -o pid,args -u root,<user.name>');
    expect(fillTemplate('ps --user={{user.name}} -o pid', look).text).toBe('ps --user=<user.name> -o pid');
    expect(fillTemplate('ps -o pid= -C {{proc.name}}', look).withheld).toEqual([{ name: 'proc.name', value: 'a,b c', reason: 'list' }]);
    // kubectl reads pods,secrets as two resource types, and a comma in a selector as another term.
    // The AWS CLI's shorthand reads a comma as another value or key; a plain option value is one string.
    const ids = (n: string): string | undefined => ({ 'ct.response.reservationid': 'r-1,Name=instance-state-name,Values=running', 'ct.region': 'us-east-1', 'ct.request.name': 'a,b' })[n];
    const stop = fillTemplate('aws ec2 describe-instances --region {{ct.region}} --filters Name=reservation-id,Values={{ct.response.reservationid}}', ids);
    expect(stop.text).toBe('aws ec2 describe-instances --region us-east-1 --filters Name=reservation-id,Values=<ct.response.reservationid>');
    expect(stop.withheld).toEqual([{ name: 'ct.response.reservationid', value: 'r-1,Name=instance-state-name,Values=running', reason: 'list' }]);
    expect(fillTemplate('aws cloudtrail start-logging --name {{ct.request.name}}', ids).text).toBe('aws cloudtrail start-logging --name a,b');
    const del = fillTemplate('kubectl delete {{ka.target.resource}} {{ka.target.name}}', look);
    expect(del.text).toBe('kubectl delete <ka.target.resource> web');
    expect(fillTemplate('kubectl get events --field-selector involvedObject.name={{k8s.pod.name}}', look).withheld).toHaveLength(1);
    // Elsewhere a comma or a blank is only part of the value; kubectl reads a blank as part of a name.
    expect(fillTemplate('ls -la {{fd.name}} && pgrep -u root -x {{proc.name|ere}}', look).text).toBe("ls -la '/tmp/a b,c' && pgrep -u root -x 'a,b c'");
    expect(fillTemplate('kubectl get pod -n {{fd.name}}', (n) => (n === 'fd.name' ? 'a b' : undefined)).text).toBe("kubectl get pod -n 'a b'");
    expect(fillTemplate('kubectl exec -n shop web -- cat {{fd.name}}', look).text).toBe("kubectl exec -n shop web -- cat '/tmp/a b,c'");
    expect(fillTemplate('ps -u {{user.name}}', (n) => (n === 'user.name' ? 'alice' : undefined)).text).toBe('ps -u alice');
    // The program of a branch: after then, else or do, and after a case pattern.
    const branch = 'n={{proc.name}}; case "$n" in sshd|sshd-session) echo no >&2 ;; *) pkill -KILL -u {{user.name}} -x sshd ;; esac';
    expect(fillTemplate(branch, look).text).toBe(`n='a,b c'; case "$n" in sshd|sshd-session) echo no >&2 ;; *) pkill -KILL -u <user.name> -x sshd ;; esac`);
    expect(fillTemplate('if true; then ps -o pid -u {{user.name}}; else kubectl get {{ka.target.resource}}; fi', look).withheld.map((w) => w.name)).toEqual(['user.name', 'ka.target.resource']);
    expect(fillTemplate('for i in 1; do pkill -u {{user.name}} x; done', look).withheld).toHaveLength(1);
    // Through a shell variable: checked where the variable is expanded, not where it is set.
    const viaVariable = fillTemplate('u={{user.name}}; id "$u"; pkill -KILL -u "$u" -x sshd', look);
    expect(viaVariable.text).toBe('u=<user.name>; id "$u"; pkill -KILL -u "$u" -x sshd');
    expect(viaVariable.withheld).toEqual([{ name: 'user.name', value: 'root,alice', reason: 'list' }]);
    expect(fillTemplate('r={{ka.target.resource}}; kubectl get "${r}" -A', look).withheld).toHaveLength(1);
    expect(fillTemplate('u={{user.name}}; pgrep -a -u root -x "$u"; ps -o pid -u "$uid"', look).text).toBe('u=root,alice; pgrep -a -u root -x "$u"; ps -o pid -u "$uid"');
    expect(fillTemplate('u={{user.name}}; echo "$u"', look).text).toBe('u=root,alice; echo "$u"');
    // Through a variable set from that variable, whole or in part.
    const chained = fillTemplate('a={{user.name}}; b="$a"; pkill -KILL -u "$b" -x sshd', look);
    expect(chained.text).toBe('a=<user.name>; b="$a"; pkill -KILL -u "$b" -x sshd');
    expect(chained.withheld).toEqual([{ name: 'user.name', value: 'root,alice', reason: 'list' }]);
    expect(fillTemplate('a={{user.name}}; b="x-${a}"; ps -o pid -u "$b"', look).withheld).toHaveLength(1);
    expect(fillTemplate('a={{user.name}}; b="$a"; c=$b; ps -o pid -u "$c"', look).withheld).toHaveLength(1);
    expect(fillTemplate('a={{user.name}}; b="$a"; echo "$b"; ps -o pid -u "$ab"', look).text).toBe('a=root,alice; b="$a"; echo "$b"; ps -o pid -u "$ab"');
  });
  it('never lets a value add an item to a list that ps, kubectl or the AWS CLI reads', () => {
    // Shell functions stand in for ps, pkill, kubectl and aws and print the arguments they get; a value
    // left out leaves a placeholder, which bash refuses to run. ps reads a comma or a blank as the start
    // of another item of a list, kubectl and the AWS CLI's shorthand a comma.
    const template = fc.constantFrom(
      ['ps -o pid -u root,{{a}}', /[,\s]+/],
      ['ps -o pid --user={{a}}', /[,\s]+/],
      ['pkill -KILL -u {{a}} -x sshd', /[,\s]+/],
      ['kubectl get {{a}} -A', /,/],
      ['kubectl get pods --field-selector spec.nodeName={{a}}', /,/],
      ['aws ec2 describe-instances --filters Name=reservation-id,Values={{a}}', /,/],
      ['u={{a}}; pkill -KILL -u "$u" -x sshd', /[,\s]+/],
      ['r={{a}}; kubectl get "${r}" -A', /,/],
      ['r={{a}}; aws ec2 describe-instances --filters "Name=reservation-id,Values=$r"', /,/],
      ['u={{a}}; v="$u"; pkill -KILL -u "$v" -x sshd', /[,\s]+/],
    );
    const value = fc.oneof(fc.constantFrom('alice', 'a,b', 'a b', ',', ' ', 'a\tb', 'pods,secrets', 'x,y!=z'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(template, value, ([t, separator], v) => {
        const filled = fillTemplate(`ps() { printf '%s\\0' "$@"; }; pkill() { ps "$@"; }; kubectl() { ps "$@"; }; aws() { ps "$@"; }; ${t}`, () => v);
        const res = spawnSync('bash', ['-c', filled.text], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
        if (filled.withheld.length > 0) {
          expect(res.stdout).toBe('');
          return;
        }
        const items = (args: string[]): number => args.reduce((n, arg) => n + arg.split(separator).length, 0);
        // The template's own words (without the program's name), with the value as one item: after
        // `u={{a}}; ` (and `v="$u"; `) assignments, the command that expands the variable, its expansion
        // standing for the value.
        const command = t.replace(/^(?:\w+=(?:\{\{a\}\}|"\$\w+"); )+/, '').replace(/\{\{a\}\}|"\$\{?\w+\}?"|\$\w+(?=")/, 'VALUE');
        const written = items(command.replaceAll('"', '').split(' ').slice(1));
        expect(items(res.stdout.split('\0').slice(0, -1)), `${filled.text} passed ${JSON.stringify(res.stdout)}`).toBe(written);
      }),
      { numRuns: 300 },
    );
  });
  it("leaves out a value with a `..` component where it is appended to a path, so it cannot leave the container's root", () => {
    const fill = (template: string, value: string) => fillTemplate(template, (n) => (n === 'fd.name' || n === 'evt.arg.name' ? value : undefined));
    const inRoot = 'c=abc; r=/proc/1/root; mv "$r"{{fd.name}} "$r"{{fd.name}}.disabled';
    expect(fill(inRoot, '/etc/apt/sources.list').text).toBe('c=abc; r=/proc/1/root; mv "$r"/etc/apt/sources.list "$r"/etc/apt/sources.list.disabled');
    const escape = fill(inRoot, '/../../etc/passwd');
    expect(escape.text).toBe('c=abc; r=/proc/1/root; mv "$r"<fd.name> "$r"<fd.name>.disabled');
    expect(escape.withheld).toEqual([{ name: 'fd.name', value: '/../../etc/passwd', reason: 'path' }]);
    // Through a variable expanded after a path, and set from one: `f="$r"{{fd.name}}`.
    expect(fill('pid=1; f={{evt.arg.name}}; ls -la "/proc/$pid/root$f"', '/tmp/../../x').withheld).toHaveLength(1);
    expect(fill('r=/proc/1/root; f="$r"{{fd.name}}; chattr +a "$f"', '/var/log/../../../etc/hosts').withheld).toHaveLength(1);
    // A `..` inside a name is no component; a path on its own, or a variable expanded on its own, leads nowhere else.
    expect(fill(inRoot, '/tmp/a..b/..c').withheld).toEqual([]);
    expect(fill('ls -la {{fd.name}}', '/etc/../root').withheld).toEqual([]);
    expect(fill('f={{fd.name}}; f=${f#/hostfs}; f=${f#/host}; f=${f#/rootfs}; ls -la "$f"', '/host/../etc').withheld).toEqual([]);
    // Expansions with an operator are followed too (here a blank would start another pkill -u user).
    expect(fillTemplate('d={{user.name}}; pkill -u "${d##*:}"', () => 'x:a b').withheld).toEqual([{ name: 'user.name', value: 'x:a b', reason: 'list' }]);
    // The KB's remediation for a probing service account: a comma would add a term to the field
    // selector, and the command would delete every pod of the namespace but one.
    const sa = 'u={{ka.user.name}}; case "$u" in system:serviceaccount:*:*) s=${u#system:serviceaccount:}; kubectl delete pods -n "${s%%:*}" --field-selector spec.serviceAccountName="${s#*:}" ;; esac';
    expect(fillTemplate(sa, () => 'system:serviceaccount:shop:web,metadata.name!=keep').withheld).toHaveLength(1);
    expect(fillTemplate(sa, () => 'system:serviceaccount:shop:web').withheld).toEqual([]);
    expect(fill('f={{fd.name}}; f=${f#/hostfs}; f=${f#/host}; f=${f#/rootfs}; ls -la "$f"', '/tmp/a b,c').withheld).toEqual([]);
  });
  it('never lets a filled path lead out of the directory the template put it under', () => {
    // bash prints the paths the commands would get; read as the kernel does (`..` goes up), each stays in /jail.
    const template = fc.constantFrom('r=/jail; printf \'%s\\0\' "$r"{{fd.name}}', 'f={{fd.name}}; printf \'%s\\0\' "/jail$f"', 'r=/jail; f="$r"{{fd.name}}; printf \'%s\\0\' "$f"');
    const value = fc.array(fc.constantFrom('/', '..', '.', 'a', '/..', '../', 'b.'), { minLength: 1, maxLength: 8 }).map((parts) => `/${parts.join('')}`);
    fc.assert(
      fc.property(template, value, (t, v) => {
        const filled = fillTemplate(t, () => v);
        if (filled.withheld.length > 0) return;
        const res = spawnSync('bash', ['-c', filled.text], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
        for (const path of res.stdout.split('\0').slice(0, -1)) expect(posix.normalize(path), `${filled.text}`).toMatch(/^\/jail(\/|$)/);
      }),
      { numRuns: 300 },
    );
  });
  it('leaves out a value with a " or a backslash where it stands inside the quoted text of a filter', () => {
    const fill = (template: string, value: string) => fillTemplate(template, (n) => (n === 'okta.actor.name' || n === 'ka.user.name' ? value : undefined));
    const okta = 'a={{okta.actor.name}}; curl -s --get "$URL" --data-urlencode "filter=actor.displayName eq \\"$a\\"" --data-urlencode "limit=1"';
    expect(fill(okta, "Jane O'Brien, Ops").text).toBe(`a='Jane O'\\''Brien, Ops'; curl -s --get "$URL" --data-urlencode "filter=actor.displayName eq \\"$a\\"" --data-urlencode "limit=1"`);
    for (const v of ['x" or actor.id pr "', 'Jane\\', 'a\\"b']) {
      const f = fill(okta, v);
      expect(f.text, v).toMatch(/^a=<okta\.actor\.name>; /);
      expect(f.withheld, v).toEqual([{ name: 'okta.actor.name', value: v, reason: 'quote' }]);
    }
    // Through a variable set from the first, and in gcloud's filters (ka.user.name has no form of its own).
    expect(fill('a={{okta.actor.name}}; b="$a"; curl --data-urlencode "filter=target.displayName eq \\"$b\\""', 'x"').withheld).toHaveLength(1);
    expect(fill('u={{ka.user.name}}; gcloud logging read "protoPayload.authenticationInfo.principalEmail=\\"${u}\\" AND severity>=WARNING"', 'a" OR "b').withheld).toHaveLength(1);
    // Outside a filter's quoted text a " is only a character: jq gets it with --arg, echo prints it, and after a
    // closed quoted text (\"x\" ... $a) or in the next word the value is no longer inside one.
    expect(fill('a={{okta.actor.name}}; jq --arg a "$a" \'select(.displayName == $a)\' f.json; echo "$a"', 'x" or "').withheld).toEqual([]);
    expect(fill('a={{okta.actor.name}}; curl --data-urlencode "filter=eventType eq \\"x\\"" -H "X-Name: $a"', 'x"').withheld).toEqual([]);
    expect(fill('a={{okta.actor.name}}; printf \'%s \\"\' "$a"', 'x"').withheld).toEqual([]);
  });
  it('reads a template as bash does: a | or ( in quotes starts no command, and a -- in a command substitution ends no options', () => {
    const fill = (template: string, value: string) => fillTemplate(template, () => value);
    // kubectl's own list, after a selector whose quotes hold a `(`: the comma would add a resource name.
    expect(fill("kubectl delete pods -l 'app in (web)' {{ka.target.name}}", 'web-1,db-0').withheld).toEqual([{ name: 'ka.target.name', value: 'web-1,db-0', reason: 'list' }]);
    expect(fill("kubectl delete pods -l 'app in (web)' {{ka.target.name}}", 'web-1').withheld).toEqual([]);
    // The `--` belongs to the command inside $(...), not to crictl: --all would still be an option of crictl stop.
    expect(fill('crictl stop "$(echo -- x)" {{container.id}}', '--all').withheld).toEqual([{ name: 'container.id', value: '--all', reason: 'option' }]);
    expect(fill('crictl stop -- {{container.id}}', '--all').withheld).toEqual([]);
    // Inside the substitution the command is its own (pkill reads -u's value as a list), and after it the outer one.
    expect(fill('n="$(pkill -u {{user.name}})"', 'root,alice').withheld).toEqual([{ name: 'user.name', value: 'root,alice', reason: 'list' }]);
    expect(fill('x="$(pkill -u root)" ps -o pid {{user.name}}', 'root,alice').withheld).toEqual([]);
    // An arithmetic expansion is part of a word: the command around it goes on.
    expect(fill('kubectl scale --replicas=$((n + 1)) deploy {{ka.target.name}}', 'web,db').withheld).toEqual([{ name: 'ka.target.name', value: 'web,db', reason: 'list' }]);
  });
  it('never lets a filled value end the quoted string it is put in, as jq reads it', () => {
    // jq reads the shell word as a program: a string literal that holds the value. When it is filled in,
    // jq must print the value itself, whole.
    const template = fc.constantFrom('a={{okta.actor.name}}; jq -n "\\"$a\\""', 'a={{okta.actor.name}}; b="x $a"; jq -n "\\"y$b\\""');
    const value = fc.array(fc.constantFrom('"', '\\', 'a', ' ', '(', ')', '+', 'or', '\\(1)', '\'', '$', '`'), { minLength: 1, maxLength: 6 }).map((p) => p.join(''));
    fc.assert(
      fc.property(template, value, (t, v) => {
        const filled = fillTemplate(t, () => v);
        if (filled.withheld.length > 0) return;
        const res = spawnSync('bash', ['-c', filled.text], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
        const expected = t.includes('b=') ? `yx ${v}` : v;
        expect(res.status, `${filled.text}: ${res.stderr}`).toBe(0);
        expect(JSON.parse(res.stdout), filled.text).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
  it('works out what a cut (${v#p}, ${v##p}, ${v%p}, ${v%%p}) leaves of a value as bash does', () => {
    const ops = fc.constantFrom('#', '##', '%', '%%');
    const pattern = fc.constantFrom('*:', ':*', '*->', '->*', 'system:', ':a', '*', '', 'a-');
    const value = fc.array(fc.constantFrom(':', '-', 'a', '>', '/', 'system:', '->'), { maxLength: 8 }).map((parts) => parts.join(''));
    const cases = fc.sample(fc.tuple(value, ops, pattern), { numRuns: 150, seed: 7 });
    // One bash run for all cases: each prints its cut, NUL-terminated.
    const script = cases.map(([v, op, p]) => `v=${shellQuote(v)}; printf '%s\\0' "\${v${op}${p}}"`).join('\n');
    const res = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    const got = res.stdout.split('\0').slice(0, -1);
    expect(got).toHaveLength(cases.length);
    // Patterns with a `*` elsewhere than at the end they cut from (`${v#:*}`) are not worked out.
    let worked = 0;
    cases.forEach(([v, op, p], i) => {
      const cut = cutValue(v, op, p);
      const starInside = (op.startsWith('#') ? p.slice(1) : p.slice(0, -1)).includes('*');
      expect(cut === undefined, `${op}${p}`).toBe(starInside);
      if (cut !== undefined) worked++;
      if (cut !== undefined) expect(cut, `\${v${op}${p}} of ${JSON.stringify(v)}`).toBe(got[i]);
    });
    expect(worked).toBeGreaterThan(100);
    expect(cutValue('a/b', '#', '*/blob/*/')).toBeUndefined();
  });
  it('leaves out a value that a cut turns into an option', () => {
    const fill = (template: string, value: string) => fillTemplate(template, () => value);
    const patch = 'd={{gcp.x}}; gcloud sql instances patch "${d##*:}" --project=p';
    expect(fill(patch, 'proj:orders-db').text).toBe('d=proj:orders-db; gcloud sql instances patch "${d##*:}" --project=p');
    expect(fill(patch, 'proj:--authorized-networks=0.0.0.0/0').withheld).toEqual([{ name: 'gcp.x', value: 'proj:--authorized-networks=0.0.0.0/0', reason: 'option' }]);
    // Through a variable set from a cut, and cut again.
    const sa = 'u={{ka.user.name}}; s=${u#system:serviceaccount:}; kubectl get pods -n "${s%%:*}" -o wide';
    expect(fill(sa, 'system:serviceaccount:shop:web').withheld).toEqual([]);
    expect(fill(sa, 'system:serviceaccount:--all-namespaces:web').withheld).toHaveLength(1);
    // After `--`, or glued to other text, a cut is no option.
    expect(fill('d={{x}}; kubectl get pod -- "${d##*:}"', 'p:-x').withheld).toEqual([]);
    expect(fill('d={{x}}; ls "/tmp/${d##*:}"', 'p:-x').withheld).toEqual([]);
  });
  it('{{field|ere}} passes a value that a regular expression reads as itself only', () => {
    const look = (n: string): string | undefined => ({ 'proc.name': '.*', 'user.name': 'a.b' })[n];
    expect(fillTemplate('pkill -KILL -u {{user.name}} -x {{ proc.name | ere }}', look).text).toBe("pkill -KILL -u a.b -x '\\.\\*'");
    expect(templateVars('pgrep -x {{proc.name|ere}}')).toEqual(['proc.name']);
    expect(ereEscape('a.b*c+d?e(f)g[h]i{1}j|k^l$m\\n')).toBe('a\\.b\\*c\\+d\\?e\\(f\\)g\\[h\\]i\\{1\\}j\\|k\\^l\\$m\\\\n');
  });
  it('an escaped value, as grep -E -x reads it (the regcomp pgrep and pkill use), matches that value and no other', () => {
    // Values from characters that mean something in a regular expression; the other value differs by
    // one character, or is the value repeated (what `a*` or `(a)+` would also match).
    const ch = fc.constantFrom('.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '\\', 'a', '1', '-', ' ', ',');
    const text = fc.array(ch, { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, fc.nat(), ch, (v, at, c) => {
        const other = [v.slice(0, at % v.length) + c + v.slice((at % v.length) + 1), v + v, v.slice(1)].filter((o) => o !== v && o !== '');
        const res = spawnSync('bash', ['-c', `printf '%s\\n' "$@" | grep -E -x -e ${shellQuote(ereEscape(v))}`, 'bash', v, ...other], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
        expect(res.stdout).toBe(`${v}\n`);
      }),
      { numRuns: 150 },
    );
  });
  it('never hands a command an option word that the template did not write', () => {
    // Templates of option words, `--`, glued words, variables and a shell variable set from one, with
    // values that lean on `-`; bash runs printf with the filled words, so its output is the argv a
    // command would get. An argument that
    // starts with `-` before `--` must be one of the template's own option words; a value left out
    // leaves a placeholder, which bash refuses to run (`<name>` is a redirection with no target).
    const word = fc.constantFrom('-n', '--all', '-9', '--', 'x.y={{a}}', '{{a}}', '{{b}}', 'plain', '/p/{{b}}', '"$c"', '"$e"{{a}}', '"${c##*:}"', '"${c#*->}"', '"${c%%:*}"');
    const value = fc.oneof(fc.constantFrom('-', '--', '-rf', '--all', '-1', '- x', "-'q", '-\n-n', 'p:-rf', 'p:q:--all', 'a->-9', 'x:y'), fc.string({ maxLength: 6 }));
    const own = new Set(['-n', '--all', '-9']);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), value, value, (words, a, b) => {
        const filled = fillTemplate(`c={{b}}; e=; printf '%s\\0' ${words.join(' ')}`, (n) => (n === 'a' ? a : b));
        const res = spawnSync('bash', ['-c', filled.text], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
        if (filled.withheld.length > 0) {
          expect(res.stdout).toBe('');
          return;
        }
        expect(res.status).toBe(0);
        let ended = false;
        for (const arg of res.stdout.split('\0').slice(0, -1)) {
          if (!ended && arg.startsWith('-') && arg !== '--') expect(own.has(arg), `${filled.text} passed ${arg}`).toBe(true);
          if (arg === '--') ended = true;
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('patterns users write', () => {
  it('compile for the linear-time engine, or as usual when that engine cannot run them', () => {
    expect(linearRegExp('^sh (a+)+$').flags).toBe('l');
    expect(linearRegExp('^sh (a+)+$').test(`sh ${'a'.repeat(5000)}b`)).toBe(false);
    // Lookaround and backreferences are not in the linear engine: the usual one runs them.
    const look = linearRegExp('^(?!x)a');
    expect(look.flags).toBe('');
    expect([look.test('ab'), look.test('xa')]).toEqual([true, false]);
    expect(linearRegExp('(a)\\1').test('aa')).toBe(true);
    expect(() => linearRegExp('(')).toThrow(SyntaxError);
  });
});

describe('terminal sink', () => {
  it('makes every control, escape and bidi character visible', () => {
    expect(terminalSafe('a\x1b[31mb\x07\u202ec\nd\x9b')).toBe('a\\x1b[31mb\\x07\\u202ec\\nd\\x9b');
    for (let cp = 0; cp < 0x20; cp++) expect(terminalSafe(String.fromCharCode(cp))).not.toMatch(/[\x00-\x1f]/);
  });
});

describe('markdown sink', () => {
  const tokenTypes = (md: string): string[] => {
    const types: string[] = [];
    marked.walkTokens(marked.lexer(md), (t) => {
      types.push(t.type);
    });
    return types;
  };
  const attacks = [
    '[click](https://evil.example)',
    '![x](https://evil.example/a.png)',
    '<img src=x onerror=alert(1)>',
    'see https://evil.example or www.evil.example or a@evil.example',
    'a | b | c',
    '**bold** _em_ ~~del~~',
    '`code` ``more``',
    '$x^2$',
    '&lt;b&gt;',
    'one\n# heading\n- item\n```\nfence',
  ];
  it('inline values in a table cell create no link, image, HTML, heading, list or code', () => {
    for (const v of attacks) {
      const md = `| field | value |\n|---|---|\n| x | ${mdText(v)} |`;
      const types = tokenTypes(md);
      for (const bad of ['link', 'image', 'html', 'heading', 'list', 'code', 'codespan', 'strong', 'em', 'del']) {
        expect(types, `${v} made ${bad}`).not.toContain(bad);
      }
      const table = marked.lexer(md)[0] as { type: string; rows: unknown[][] };
      expect(table.type).toBe('table');
      expect(table.rows[0]).toHaveLength(2);
    }
  });
  it('code spans and fences cannot be closed by backticks inside the value', () => {
    const span = mdCode('a ``` b ` c');
    const spans: string[] = [];
    marked.walkTokens(marked.lexer(`x ${span} y`), (t) => {
      if (t.type === 'codespan') spans.push((t as { text: string }).text);
    });
    expect(spans).toEqual(['a ``` b ` c']);
    const fence = mdFence('echo ```\nnot out', 'sh');
    const toks = marked.lexer(fence);
    expect(toks).toHaveLength(1);
    expect((toks[0] as { text: string }).text).toBe('echo ```\nnot out');
  });
});
