import type { Command } from 'commander';

export function registerWarehouse(_program: Command): void {
  // `dp warehouse` is added by its owning issue.
}
