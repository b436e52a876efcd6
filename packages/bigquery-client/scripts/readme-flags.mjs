// Regenerates an operator package's README flag table from its built definition, then formats the README.
// Usage (from the operator package): `node ../bigquery-client/scripts/readme-flags.mjs` (after `tsc -b`).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderFlagTable, replaceFlagTable } from '@data-pipeline/runner';

const pkg = resolve(process.argv[2] ?? '.');
const { definition } = await import(pathToFileURL(join(pkg, 'dist/definition.js')).href);
const readme = join(pkg, 'README.md');
writeFileSync(readme, replaceFlagTable(readFileSync(readme, 'utf8'), renderFlagTable(definition)));
execFileSync('npx', ['biome', 'format', '--write', readme], { stdio: 'ignore' });
