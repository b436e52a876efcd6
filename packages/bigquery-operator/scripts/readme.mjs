// Regenerates the README flag table from the built definition: `npm run readme` (after `tsc -b`), then formats it.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderFlagTable, replaceFlagTable } from '@data-pipeline/runner';

const { definition } = await import(new URL('../dist/definition.js', import.meta.url).href);
const path = fileURLToPath(new URL('../README.md', import.meta.url));
writeFileSync(path, replaceFlagTable(readFileSync(path, 'utf8'), renderFlagTable(definition)));
execFileSync('npx', ['biome', 'format', '--write', path], { stdio: 'ignore' });
