import type { Command } from 'commander';

export function registerQuery(_program: Command): void {
  // `dp query` is added by its owning issue.
}
