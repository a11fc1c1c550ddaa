/**
 * No overwrite without --force, even under a race: two processes saving the
 * same new file at the same moment — exactly one wins, the other gets
 * FileExistsError, and the file holds the winner's bytes (a check-then-rename
 * lets both report success while one silently replaces the other).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileExistsError, writeFileAtomic } from '../../src/node/files.js';

const child = fileURLToPath(new URL('./write-race-child.js', import.meta.url));

function run(path: string, content: string, startAt: number): Promise<number | null> {
  const process_ = spawn(process.execPath, [child, path, content, String(startAt)], { stdio: 'ignore' });
  return new Promise((resolve) => process_.on('exit', resolve));
}

test('two processes saving one new file at once: exactly one wins, every time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-race-'));
  try {
    for (let round = 0; round < 8; round++) {
      const path = join(dir, `out-${round}.json`);
      const startAt = Date.now() + 400;
      const codes = await Promise.all([run(path, 'A'.repeat(100_000), startAt), run(path, 'B'.repeat(100_000), startAt)]);
      assert.deepEqual([...codes].sort(), [0, 3], `round ${round}: exit codes ${codes}`);
      const winner = codes[0] === 0 ? 'A' : 'B';
      assert.equal(readFileSync(path, 'utf8'), winner.repeat(100_000));
    }
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), [], 'no temp file is left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without force an existing file is refused and kept; with force it is replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-noforce-'));
  try {
    const path = join(dir, 'f.txt');
    writeFileSync(path, 'old');
    assert.throws(() => writeFileAtomic(path, 'new'), FileExistsError);
    assert.equal(readFileSync(path, 'utf8'), 'old');
    writeFileAtomic(path, 'new', { force: true });
    assert.equal(readFileSync(path, 'utf8'), 'new');
    writeFileAtomic(join(dir, 'g.txt'), 'fresh');
    assert.deepEqual(readdirSync(dir).sort(), ['f.txt', 'g.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
