import type { Command } from 'commander';

export function registerTokenizer(program: Command): void {
  void program;
}
