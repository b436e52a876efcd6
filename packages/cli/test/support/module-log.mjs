// `node --import ./module-log.mjs …` with DP_MODULE_LOG=FILE: appends to FILE every module the process loads, one a
// line — each URL an ESM import resolves to (a resolve hook) and, when the process exits, every file in the CommonJS
// cache (which also holds each file `require()` loaded as ESM). For the start-up test (start-up.test.ts).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.DP_MODULE_LOG;
if (file) {
  register(new URL('./module-log-hooks.mjs', import.meta.url), { data: { file } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const loaded = Object.keys(cache);
    if (loaded.length > 0) appendFileSync(file, `${loaded.join('\n')}\n`);
  });
}
