import { main } from './main.js';

// The only module that touches `process`. No SIGTERM handler on purpose: like Python without one, the process is
// killed by the signal. SIGINT becomes Python's KeyboardInterrupt (traceback, exit 1).
process.on('SIGINT', () => {
  process.stderr.write(
    'Traceback (most recent call last):\n  File "/usr/local/bin/airflow", line 28, in <module>\n    args.func(args)\nKeyboardInterrupt\n',
  );
  process.exit(1);
});

// A reader that goes away (EPIPE) ends the process like Python's BrokenPipeError: one line, exit 1.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') {
    process.stderr.write('BrokenPipeError: [Errno 32] Broken pipe\n');
    process.exit(1);
  }
  throw e;
});

const keepAlive = (): Promise<never> =>
  new Promise<never>(() => {
    setInterval(() => {}, 1 << 30);
  });

try {
  process.exitCode = await main({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    pid: process.pid,
    stdout: process.stdout,
    stderr: process.stderr,
    hang: keepAlive,
  });
} catch (e) {
  process.stderr.write(`airflow-double: internal error: ${(e as Error).message ?? String(e)}\n`);
  process.exitCode = 1;
}
