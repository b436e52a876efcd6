import { EXIT_CLASSES } from '@data-pipeline/runner';

/** The exit codes `dp` itself ends with, from the one table (ARCHITECTURE.md "Exit codes"). */
const DP_EXITS: Record<number, string> = {
  0: 'done',
  1: 'a workflow task failed (dp run, dp example) or lint found problems (dp lint)',
  64: 'bad command line: unknown flag or command, malformed value',
  65: 'invalid input: a workflow dp run cannot run, invalid SQL, a bad file',
  75: 'temporary failure worth retrying (e.g. the warehouse is busy)',
  77: 'permission denied',
  78: 'configuration: the data dir cannot be used, no credentials',
  130: 'stopped by SIGINT (Ctrl-C)',
  143: 'stopped by SIGTERM',
};

export function exitCodeHelp(): string {
  const lines = EXIT_CLASSES.filter((c) => c.code in DP_EXITS).map(
    (c) => `  ${String(c.code).padEnd(4)}${c.name.padEnd(19)}${DP_EXITS[c.code]}`,
  );
  return `\nExit codes (the same table as every operator's, see ARCHITECTURE.md):\n${lines.join('\n')}\n`;
}
