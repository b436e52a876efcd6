import type { Command } from 'commander';

export function registerRun(_program: Command): void {
  // `dp run` is added by its owning issue.
}
