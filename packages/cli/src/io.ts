import type { ProcessHost } from '@data-pipeline/local';
import { EXIT_CODES } from '@data-pipeline/runner';
import { type Command, CommanderError } from 'commander';

/**
 * What a command module gets from the process edge (src/cli.ts, the only module that touches `process`).
 * Commands write through it and RETURN their exit code; they never read argv/env or exit themselves.
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** stderr is an interactive terminal and CI is not set: live progress table instead of plain lines. */
  readonly isTTY: boolean;
  readonly columns: number | undefined;
  readonly rows: number | undefined;
  /** Node binary and kill for the step processes of `dp run` / `dp example`. */
  readonly host: ProcessHost;
  /** Aborted on SIGINT/SIGTERM with an {@link Interrupted} reason (handlers installed on first read). */
  readonly signal: AbortSignal;
}

/** The reason of an aborted {@link CliIo.signal}: which signal arrived and the documented exit code for it. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor(
    readonly signalName: 'SIGINT' | 'SIGTERM',
    readonly exitCode: number,
  ) {
    super(`received ${signalName}`);
  }
}

export function interruptedFor(signalName: 'SIGINT' | 'SIGTERM'): Interrupted {
  return new Interrupted(
    signalName,
    signalName === 'SIGINT' ? EXIT_CODES.interrupted : EXIT_CODES.terminated,
  );
}

/** The exit code of the signal that aborted `signal`, if any. */
export function signalExitCode(signal: AbortSignal): number | undefined {
  return signal.aborted && signal.reason instanceof Interrupted ? signal.reason.exitCode : undefined;
}

/** Handed to every command module by buildProgram: the io and where the command's exit code goes. */
export interface CommandContext {
  readonly io: CliIo;
  exit(code: number): void;
}

/**
 * Commander usage errors (unknown flag, missing argument) become a thrown CommanderError carrying exit 64
 * (help/version: 0) after commander printed its one line; src/cli.ts turns it into the process exit code.
 */
export function usageErrors(cmd: Command): Command {
  return cmd.exitOverride((e: CommanderError) => {
    // `dp` without a command prints the help as an error (commander.help, exit 1): a usage error too.
    const ok =
      e.code === 'commander.helpDisplayed' ||
      e.code === 'commander.version' ||
      (e.code === 'commander.help' && e.exitCode === 0);
    throw new CommanderError(ok ? 0 : EXIT_CODES.usage, e.code, e.message);
  });
}

/**
 * For lint and warehouse, which keep commander's own exit codes (help without a subcommand: 1): usage errors
 * (unknown option...) default to exit 1 there; ours is 64. Commander's exits (usage, help)
 * are thrown as CommanderError with that code and become the exit code in src/cli.ts.
 */
export function usageExit(command: Command): void {
  const reportError = command.error.bind(command);
  command.error = (message, options) =>
    reportError(message, { ...options, exitCode: options?.exitCode ?? EXIT_CODES.usage });
  command.exitOverride();
}
