import { createRequire } from 'node:module';
import { buildProgram } from './program.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

buildProgram(version)
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`dp: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
