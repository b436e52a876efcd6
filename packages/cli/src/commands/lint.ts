import type { Command } from 'commander';

export function registerLint(_program: Command): void {
  // `dp lint` is added by its owning issue.
}
