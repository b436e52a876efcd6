#!/usr/bin/env node
// Rewrites the generated exit-code table in ARCHITECTURE.md from packages/runner/src/exit-codes.ts (via dist/).
// Run `npm run docs -w packages/runner` after changing the table; test/docs.test.ts fails while the file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderExitCodeTable, replaceExitCodeSection } from '../dist/docs.js';

const path = fileURLToPath(new URL('../../../ARCHITECTURE.md', import.meta.url));
const before = readFileSync(path, 'utf8');
const after = replaceExitCodeSection(before, renderExitCodeTable());
if (after !== before) writeFileSync(path, after);
console.log(
  after === before
    ? 'ARCHITECTURE.md exit-code table is up to date'
    : 'ARCHITECTURE.md exit-code table rewritten',
);
