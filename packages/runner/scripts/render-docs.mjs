#!/usr/bin/env node
// Rewrites the generated exit-code table in ARCHITECTURE.md from packages/runner/src/exit-codes.ts (via dist/).
// Run `npm run docs -w packages/runner` after changing the table; test/docs.test.ts fails while the file is stale.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderExitCodeTable, replaceExitCodeSection } from '../dist/docs.js';
import { normalizeMarkdownTables } from '../dist/flags.js';

const path = fileURLToPath(new URL('../../../ARCHITECTURE.md', import.meta.url));
const before = readFileSync(path, 'utf8');
const after = replaceExitCodeSection(before, renderExitCodeTable());
const stale = normalizeMarkdownTables(after) !== normalizeMarkdownTables(before);
if (stale) {
  writeFileSync(path, after);
  // biome formats Markdown (aligned tables): leave the file as `npm run lint` wants it.
  execFileSync('npx', ['biome', 'format', '--write', path], { stdio: 'inherit' });
}
console.log(
  stale ? 'ARCHITECTURE.md exit-code table rewritten' : 'ARCHITECTURE.md exit-code table is up to date',
);
