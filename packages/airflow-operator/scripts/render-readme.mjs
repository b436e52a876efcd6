#!/usr/bin/env node
// Rewrites the flag table of README.md from the definition (run after `tsc -b`).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkReadmeFlagTable } from '@data-pipeline/runner';
import { definition } from '../dist/definition.js';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const { ok, expected } = await checkReadmeFlagTable(definition, readme);
if (!ok) {
  writeFileSync(readme, expected);
  execFileSync('npx', ['biome', 'format', '--write', readme], { stdio: 'inherit' });
}
console.log(ok ? 'README flag table is up to date' : 'README flag table rewritten');
