import { createRequire } from 'node:module';
import { CommanderError } from 'commander';
import { type CliIo, interruptedFor } from './io.js';

// The only module of the cli that touches `process`: argv, env, stdio, signals, the exit code.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const controller = new AbortController();
const onInt = () => controller.abort(interruptedFor('SIGINT'));
const onTerm = () => controller.abort(interruptedFor('SIGTERM'));
let listening = false;

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stderr.isTTY) && !process.env.CI,
  columns: process.stderr.columns,
  rows: process.stderr.rows,
  host: { nodePath: process.execPath, kill: (pid, signal) => process.kill(pid, signal), pid: process.pid },
  // Handlers only for commands that read the signal: the others keep Node's default (exit on Ctrl-C).
  get signal() {
    if (!listening) {
      listening = true;
      process.once('SIGINT', onInt);
      process.once('SIGTERM', onTerm);
    }
    return controller.signal;
  },
};

let exitCode: number | undefined;
// `dp convert` loads only what it needs (program-convert.ts); everything else the whole command tree.
const build =
  process.argv[2] === 'convert'
    ? (await import('./program-convert.js')).buildConvertProgram
    : (await import('./program.js')).buildProgram;
build(version, { io, exit: (code) => (exitCode = code) })
  .parseAsync(process.argv)
  .then(
    () => {
      if (exitCode !== undefined) process.exitCode = exitCode;
    },
    (error: unknown) => {
      // Commander already printed its usage line; src/io.ts maps usage errors to 64 (usageErrors, usageExit).
      if (error instanceof CommanderError) process.exitCode = error.exitCode;
      else {
        process.stderr.write(`dp: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      }
    },
  )
  .finally(() => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  });
