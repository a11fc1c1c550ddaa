import type { Command } from 'commander';

export function registerNgram(program: Command): void {
  void program;
}
