// Checks the output of build-labextension: a federated JupyterLab extension (package.json with jupyterlab._build
// naming an existing remoteEntry, an ./extension module and ./style) whose bundle holds no tfjs, and prints the size
// of labextension/static. Exits non-zero on any failure.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const out = path.join(__dirname, '..', 'labextension');
const failures = [];
const pkg = JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8'));
const build = pkg.jupyterlab && pkg.jupyterlab._build;
if (!build) failures.push('labextension/package.json has no jupyterlab._build');
else {
  if (!/^static\/remoteEntry\.[0-9a-f]+\.js$/.test(build.load) || !fs.existsSync(path.join(out, build.load))) {
    failures.push(`jupyterlab._build.load is ${JSON.stringify(build.load)}, not an existing static/remoteEntry.<hash>.js`);
  }
  if (build.extension !== './extension') failures.push('jupyterlab._build.extension is not ./extension');
  if (build.style !== './style') failures.push('jupyterlab._build.style is not ./style');
}
const staticDir = path.join(out, 'static');
const files = fs.readdirSync(staticDir).filter((f) => f.endsWith('.js'));
let total = 0;
const sizes = [];
for (const f of fs.readdirSync(staticDir)) {
  const size = fs.statSync(path.join(staticDir, f)).size;
  total += size;
  sizes.push([f, size]);
}
for (const f of files) {
  const text = fs.readFileSync(path.join(staticDir, f), 'utf8');
  // Webpack keeps module paths in its chunk maps and license comments; tfjs code would leave its package names.
  for (const needle of ['@tensorflow', 'tfjs-core', 'tfjs-backend']) {
    if (text.includes(needle)) failures.push(`static/${f} contains ${JSON.stringify(needle)}: tfjs reached the bundle`);
  }
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const [f, size] of sizes.sort((a, b) => b[1] - a[1])) console.log(`  ${kib(size).padStart(11)}  static/${f}`);
console.log(`labextension/static: ${kib(total)} in ${sizes.length} files`);
if (failures.length > 0) {
  for (const f of failures) console.error(`check-bundle: ${f}`);
  process.exit(1);
}
console.log('check-bundle: a valid federated extension, no tfjs in the bundle');
