#!/usr/bin/env node
/**
 * `lmkit` command-line entry point. A thin shell over the library: each command
 * group lives in its own file and only parses arguments, calls library code and
 * prints results.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import '../backend/auto.js';
import { describeBackend } from '../backend/select.js';
import { registerLm } from './lm.js';
import { registerNgram } from './ngram.js';
import { registerTokenizer } from './tokenizer.js';

function packageVersion(): string {
  const url = new URL('../../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('lmkit')
    .description('Build, train, evaluate and sample language models from first principles.')
    .version(`lmkit ${packageVersion()} (backend: ${describeBackend()})`, '-V, --version')
    .showHelpAfterError();
  registerLm(program);
  registerNgram(program);
  registerTokenizer(program);
  return program;
}

/**
 * A closed pipe (`lmkit sample … | head`) ends the output, not the program:
 * exit quietly with status 0, as Unix tools do, instead of an unhandled
 * 'error' event with a stack trace.
 */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

async function main(): Promise<void> {
  exitQuietlyOnClosedPipe();
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    process.stderr.write(`lmkit: ${(err as Error).message}\n`);
    if (process.env.LMKIT_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  }
}

await main();
