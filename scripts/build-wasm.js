// Assembles every src/wasm/*.wat into build/src/wasm/*.wasm with wabt (an npm package: no native toolchain).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const sourceDir = path.join(root, 'src', 'wasm');
const outDir = path.join(root, 'build', 'src', 'wasm');

require('wabt')().then((wabt) => {
  fs.mkdirSync(outDir, { recursive: true });
  for (const name of fs.readdirSync(sourceDir).filter((f) => f.endsWith('.wat'))) {
    const source = path.join(sourceDir, name);
    const module = wabt.parseWat(name, fs.readFileSync(source, 'utf8'), { simd: true });
    module.validate();
    const { buffer } = module.toBinary({});
    const target = path.join(outDir, name.replace(/\.wat$/, '.wasm'));
    // Write then rename, so a reader never sees half a module.
    fs.writeFileSync(`${target}.tmp`, buffer);
    fs.renameSync(`${target}.tmp`, target);
    module.destroy();
  }
}).catch((err) => {
  console.error(`build-wasm: ${err.message}`);
  process.exit(1);
});
