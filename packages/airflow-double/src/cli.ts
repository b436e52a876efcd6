import { main } from './main.js';

// The only module that touches `process`. No SIGTERM handler on purpose: like Python without one, the process is
// killed by the signal. SIGINT becomes Python's KeyboardInterrupt (traceback, exit 1).
process.on('SIGINT', () => {
  process.stderr.write(
    'Traceback (most recent call last):\n  File "/usr/local/bin/airflow", line 28, in <module>\n    args.func(args)\nKeyboardInterrupt\n',
  );
  process.exit(1);
});

const keepAlive = (): Promise<never> =>
  new Promise<never>(() => {
    setInterval(() => {}, 1 << 30);
  });

const code = await main({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  pid: process.pid,
  stdout: process.stdout,
  stderr: process.stderr,
  hang: keepAlive,
});
process.exitCode = code;
