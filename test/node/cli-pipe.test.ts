/**
 * `lmkit … | head`: when the reader of stdout goes away, the command exits
 * quietly with status 0 (as Unix tools do) — no "Unhandled 'error' event", no
 * stack trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CharTokenizer } from '../../src/text/char.js';

const cli = fileURLToPath(new URL('../../src/node/cli/main.js', import.meta.url));

test('a closed stdout pipe ends `lmkit tokenizer encode` with status 0 and nothing on stderr', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-pipe-'));
  try {
    const text = 'All the world is a stage, and all the men and women merely players.\n'.repeat(40_000);
    writeFileSync(join(dir, 'big.txt'), text);
    writeFileSync(join(dir, 'tok.json'), CharTokenizer.train(text).save());
    const child = spawn(process.execPath, [cli, 'tokenizer', 'encode', '-t', join(dir, 'tok.json'), '-i', join(dir, 'big.txt')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdout.once('data', () => child.stdout.destroy()); // the reader goes away after the first chunk, as `head` does
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
