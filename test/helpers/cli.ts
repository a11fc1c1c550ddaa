/** Run the built `lmkit` command line in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cliEntry = fileURLToPath(new URL('../../src/node/cli/main.js', import.meta.url));

export interface CliResult {
  /** Exit status (−1 when killed by a signal). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `lmkit …args` in `cwd`, waiting for it to finish. */
export function runCli(cwd: string, args: readonly string[]): CliResult {
  const r = spawnSync(process.execPath, [cliEntry, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The bundled data/tinyshakespeare.txt. */
export function bundledCorpus(): string {
  return readFileSync(fileURLToPath(new URL('../../../data/tinyshakespeare.txt', import.meta.url)), 'utf8');
}
