import { fileURLToPath } from 'node:url';
import { operatorAcceptance } from '@data-pipeline/operator-testing';
import { definition } from '../src/definition.js';

operatorAcceptance({
  definition,
  bin: fileURLToPath(new URL('../bin/bigquery-table.js', import.meta.url)),
  readme: fileURLToPath(new URL('../README.md', import.meta.url)),
  validArgs: ['--dataset-id', 'acceptance_ds'],
});
