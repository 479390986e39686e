#!/usr/bin/env node
// `yarn bench [name...]`: runs the benchmarks in this folder (TypeScript through Backstage's
// node transform). Each prints figures and ratios side by side; none passes or fails on time.
require('@backstage/cli-node/config/nodeTransform.cjs');
const fs = require('node:fs');
const path = require('node:path');

const wanted = process.argv.slice(2);
const benches = fs
  .readdirSync(__dirname)
  .filter(f => f.endsWith('.bench.ts'))
  .filter(f => !wanted.length || wanted.some(w => f.startsWith(w)));

(async () => {
  for (const file of benches) {
    console.log(`\n# ${file}`);
    const { run } = require(path.join(__dirname, file));
    await run();
  }
})().catch(e => {
  console.error(e);
  process.exit(1);
});
