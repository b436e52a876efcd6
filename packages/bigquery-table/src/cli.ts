import { main } from '@data-pipeline/runner/main';
import { definition } from './definition.js';

main(definition);
