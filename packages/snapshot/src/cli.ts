import { runSnapshotCommand } from './command.js';

// The only module touching `process`.
process.exitCode = await runSnapshotCommand({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  node: process.execPath,
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
