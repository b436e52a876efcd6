import { startupSnapshot } from 'node:v8';
import { parseInvocation } from './config.js';
import { renderHelp } from './flags.js';
import type { OperatorDefinition } from './operator.js';
import { runOperatorCli } from './run.js';

/**
 * The only code that touches `process`: argv, env, stdio, signals, exit code. An operator package's `src/cli.ts` is
 * `main(definition)`. Signal handlers are explicit, so the runner also behaves as PID 1 in a container (where the
 * kernel gives PID 1 no default SIGTERM/SIGINT action).
 *
 * Inside `node --build-snapshot` (the operator images' start-up snapshot, see packages/snapshot) nothing runs yet:
 * the definition and everything it imported are already in the heap, and the run starts when the snapshot is
 * deserialized (`node --snapshot-blob FILE -- ARGS...`, where `process.argv` has no script path).
 */
export function main(definition: OperatorDefinition): void {
  if (startupSnapshot.isBuildingSnapshot()) {
    warmUp(definition);
    startupSnapshot.setDeserializeMainFunction(() => start(definition, process.argv.slice(1)));
    return;
  }
  start(definition, process.argv.slice(2));
}

/**
 * Runs the pure start-up path once while the snapshot is built (flag table, help text, argv and kwargs parsing,
 * including zod's compiled object parsers), so a deserialized run finds it compiled. No I/O, no environment.
 */
function warmUp(definition: OperatorDefinition): void {
  renderHelp(definition);
  try {
    parseInvocation(definition, ['--task-id', 'warm_up', '--execution-date', '2026-01-01'], {});
  } catch {
    // Operators with required kwargs refuse this argv; the parsing code ran all the same.
  }
  // The Airflow engine's pure modules (failure rules, AIRFLOW_HOME files and node:crypto for the Fernet key) are
  // evaluated now too; the engine itself loads at run time (node:child_process cannot live in a snapshot).
  void import('./classify.js');
  void import('./airflow-home.js');
}

function start(definition: OperatorDefinition, argv: readonly string[]): void {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received === undefined) {
      received = signal;
      controller.abort(signal);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A closed stdout (e.g. `| head`) must not crash the runner with EPIPE.
  process.stdout.on('error', () => undefined);
  // Node prints process warnings on stderr (two lines each, e.g. google-auth-library's MetadataLookupWarning when
  // no credentials exist); stderr carries only the runner's one-line error, so warnings go to the structured log
  // instead: held until the runner's logger subscribes, dropped after it has finished.
  const warnings: Error[] = [];
  let warningListener: ((warning: Error) => void) | undefined;
  let runnerDone = false;
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warningListener) warningListener(warning);
    else if (!runnerDone && warnings.length < 100) warnings.push(warning);
  });
  const onWarning = (listener: ((warning: Error) => void) | undefined): void => {
    warningListener = listener;
    if (listener) for (const w of warnings.splice(0)) listener(w);
    else runnerDone = true;
  };

  runOperatorCli(definition, {
    argv,
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
    isTTY: process.stdout.isTTY === true,
    killProcessGroup: (pgid, signal) => process.kill(-pgid, signal),
    onWarning,
  }).then(
    (code) => {
      process.exitCode = code;
      // After a signal, leftover handles (an abandoned native call) must not keep the process alive.
      if (received !== undefined) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(
        `${definition.name}: internal error: ${String((err as Error)?.message ?? err).split('\n')[0]}\n`,
      );
      process.exitCode = 1;
    },
  );
}
