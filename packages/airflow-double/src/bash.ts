import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { airflowException } from './errors.js';

export interface BashRun {
  readonly taskId: string;
  /** The rendered `bash_command`. */
  readonly command: string;
  /** The process environment: the operator's `env` when given (it replaces everything), else the inherited one. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** One logging call of the task (bash_operator.py:N, INFO). */
  readonly log: (where: string, message: string) => void;
}

/** Python's tempfile.gettempdir(): TMPDIR, TEMP, TMP, then /tmp. */
function gettempdir(env: Readonly<Record<string, string | undefined>>): string {
  return env.TMPDIR || env.TEMP || env.TMP || '/tmp';
}

/** Popen's returncode: the exit status, or minus the signal number when the process was killed. */
function returnCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal ? -(constants.signals[signal] ?? 0) : -1;
}

/**
 * BashOperator.execute of 1.8.2, for real: the command is written to a temporary script in an `airflowtmp*`
 * folder and run as `bash <script>` there, stdout and stderr merged; each output line is logged stripped, and a
 * non-zero return code raises `AirflowException: Bash command failed`. The folder is removed afterwards.
 */
export async function runBashCommand(run: BashRun): Promise<void> {
  const root = gettempdir(run.env);
  run.log('bash_operator.py:71', `tmp dir root location: \n${root}`);
  const tmpDir = mkdtempSync(join(root, 'airflowtmp'));
  try {
    const script = join(tmpDir, `${run.taskId}${randomBytes(6).toString('base64url').replace(/[-_]/g, 'x')}`);
    writeFileSync(script, run.command);
    // 1.8.2 joins the folder with the (already absolute) file name: the doubled path is what it logs.
    run.log('bash_operator.py:79', `Temporary script location :${tmpDir}/${script}`);
    run.log('bash_operator.py:81', `Running command: ${run.command}`);
    // `exec … 2>&1` makes the process exactly `bash <script>` with stderr on the stdout pipe (Popen's STDOUT).
    const child = spawn('/bin/sh', ['-c', 'exec bash "$1" 2>&1', 'sh', script], {
      cwd: tmpDir,
      env: run.env,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    run.log('bash_operator.py:90', 'Output:');
    const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(returnCode(code, signal)));
    });
    for await (const line of lines) run.log('bash_operator.py:94', line.trim());
    const code = await exited;
    run.log('bash_operator.py:96', `Command exited with return code ${code}`);
    if (code !== 0) {
      // raised at bash_operator.py:100, the frame taskrun's operatorFrames names
      throw airflowException('Bash command failed');
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}
