// `node --import ./cpu-at-exit.mjs …` with DP_CPU_FILE=FILE: when the process exits, writes the CPU time it used
// (user + system, microseconds, from its start) to FILE. The start-up bench measures each child with it.
import { writeFileSync } from 'node:fs';

const file = process.env.DP_CPU_FILE;
if (file)
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(file, String(user + system));
  });
