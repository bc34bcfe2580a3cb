import { createRequire, Module } from 'node:module';
function standIn(from, name, exports) {
  let require = createRequire(import.meta.url);
  for (const dep of from) require = createRequire(require.resolve(dep));
  const path = require.resolve(name);
  const stub = new Module(path); stub.filename = path; stub.loaded = true; stub.exports = exports; require.cache[path] = stub;
}
standIn(['marked-terminal'], 'cli-table3', function () {});
standIn(['marked-terminal'], 'cli-highlight', { highlight: (c) => c, supportsLanguage: () => false });
standIn(['marked-terminal', 'node-emoji'], 'emojilib', { lib: {}, ordered: [], fitzpatrick_scale_modifiers: [] });
const out = [];
let t = performance.now();
await import('../dist/escape/shell.js');
out.push(['warm', performance.now() - t]);
for (const m of ['chalk', 'marked', 'ansi-escapes', 'supports-hyperlinks', 'node-emoji', 'marked-terminal']) {
  t = performance.now();
  await import(m);
  out.push([m, performance.now() - t]);
}
console.log(out.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(' | '));
