/**
 * How the double ends a command. Airflow 1.8.2's `airflow` script catches nothing, so its exit codes are Python's own
 * (0 normal return, 1 uncaught exception, 2 argparse error). These are the emulated program's codes, not this
 * project's exit-code table (which belongs to the runner that classifies them).
 */
export const PYTHON_EXIT = { ok: 0, uncaughtException: 1, argparseError: 2 } as const;

/** An uncaught Python exception: rendered as a traceback on stderr, exit 1. */
export class PythonException extends Error {
  constructor(
    /** Qualified exception class as Python prints it, e.g. `airflow.exceptions.AirflowException`. */
    readonly pythonType: string,
    message: string,
    /** Traceback frames (`  File "...", line N, in f` + source line), outermost first. */
    readonly frames: readonly string[] = [],
  ) {
    super(message);
    this.name = 'PythonException';
  }

  traceback(): string {
    const head = ['Traceback (most recent call last):', ...this.frames];
    return `${head.join('\n')}\n${this.pythonType}: ${this.message}\n`;
  }
}

export const airflowException = (message: string, frames: readonly string[] = []): PythonException =>
  new PythonException('airflow.exceptions.AirflowException', message, frames);

export const operationalError = (detail: string, sql?: string): PythonException =>
  new PythonException(
    'sqlalchemy.exc.OperationalError',
    `(sqlite3.OperationalError) ${detail}${sql === undefined ? '' : ` [SQL: '${sql}']`}`,
  );

/** argparse's error(): usage + `<prog>: error: <message>` on stderr, exit 2. */
export class ArgparseError extends Error {
  constructor(
    readonly prog: string,
    readonly usage: string,
    message: string,
  ) {
    super(message);
    this.name = 'ArgparseError';
  }

  render(): string {
    return `${this.usage}${this.prog}: error: ${this.message}\n`;
  }
}

/** A limitation of the double itself (not an Airflow behaviour): one line on stderr, exit 1. */
export class DoubleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DoubleError';
  }
}

/** Frames of the `airflow` script calling a cli.py handler, shared by every uncaught error. */
export function cliFrames(handler: string, call: string): string[] {
  return [
    '  File "/usr/local/bin/airflow", line 28, in <module>',
    '    args.func(args)',
    `  File "/usr/local/lib/python3.6/site-packages/airflow/bin/cli.py", line 0, in ${handler}`,
    `    ${call}`,
  ];
}
