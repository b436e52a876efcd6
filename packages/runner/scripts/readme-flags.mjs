#!/usr/bin/env node
// Rewrites the generated flag table (between `<!-- flags:begin -->` and `<!-- flags:end -->`) of an operator
// package's README from its built definition, then lets biome format the README (it aligns table columns;
// checkReadmeFlagTable compares cells, so the formatted table still counts as fresh).
// Usage, from an operator package after `tsc -b`: `node ../runner/scripts/readme-flags.mjs [packageDir]`
// (every operator package's `npm run readme`).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkReadmeFlagTable } from '../dist/index.js';

const pkg = resolve(process.argv[2] ?? '.');
const { definition } = await import(pathToFileURL(join(pkg, 'dist', 'definition.js')).href);
const readme = join(pkg, 'README.md');
const { ok, expected } = await checkReadmeFlagTable(definition, readme);
if (!ok) {
  writeFileSync(readme, expected);
  execFileSync('npx', ['biome', 'format', '--write', readme], { stdio: 'inherit' });
}
console.log(`${readme}: ${ok ? 'flag table is up to date' : 'flag table rewritten'}`);
