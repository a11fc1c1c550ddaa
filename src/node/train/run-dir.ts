/**
 * A run directory belongs to one process at a time. Two `lmkit train` runs
 * writing the same directory would overwrite each other's checkpoints and
 * interleave metrics.jsonl, so a run holds an exclusive lock file inside it for
 * its whole life; a second run fails at once and says who holds it. A lock
 * left by a process that no longer exists (kill -9, a crash) is stale and is
 * taken over. Default run names are claimed with an exclusive mkdir, so two
 * runs started in the same second get two directories.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const LOCK_FILE = '.lmkit-run.lock';

interface LockOwner {
  pid: number;
  hostname: string;
  started: string;
}

/** Whether a process with this pid exists on this machine (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' ? { pid: owner.pid, hostname: String(owner.hostname), started: String(owner.started) } : null;
  } catch {
    return null; // unreadable or half-written: treated as stale below
  }
}

/** A lock held by a live process on this machine (one on another host — a shared filesystem — counts as live). */
function heldByOther(owner: LockOwner | null): owner is LockOwner {
  if (!owner) return false;
  if (owner.hostname !== hostname()) return true;
  return owner.pid !== process.pid && processAlive(owner.pid);
}

/** Run directories locked by this process (two runs in one process must not share one either). */
const heldHere = new Set<string>();

export interface RunDirectoryLock {
  release(): void;
}

function tryCreateLock(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`${path}: cannot create the run lock (${(err as Error).message})`);
  }
  try {
    const owner: LockOwner = { pid: process.pid, hostname: hostname(), started: new Date().toISOString() };
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Take the run directory's lock (the directory must exist); throws if another live run holds it. */
export function lockRunDir(runDir: string): RunDirectoryLock {
  const path = resolve(runDir, LOCK_FILE);
  if (heldHere.has(path)) throw new Error(`${runDir} is in use by another run in this process; wait for it to finish, or choose another --out`);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreateLock(path)) {
      heldHere.add(path);
      const release = (): void => {
        process.off('exit', release);
        if (!heldHere.delete(path)) return;
        if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true });
      };
      process.on('exit', release); // a process.exit() mid-run still frees the directory
      return { release };
    }
    const owner = readOwner(path);
    if (heldByOther(owner)) {
      throw new Error(`${runDir} is in use by another lmkit run (pid ${owner.pid} on ${owner.hostname}, started ${owner.started}); wait for it to finish, or choose another --out`);
    }
    rmSync(path, { force: true }); // stale: its process is gone
  }
  throw new Error(`${runDir}: could not take the run lock (another process keeps replacing ${LOCK_FILE})`);
}

/** The entries of a run directory that belong to a run (the lock file does not). */
export function runEntries(runDir: string): string[] {
  return readdirSync(runDir).filter((entry) => entry !== LOCK_FILE);
}

/**
 * Claim a fresh directory named `base`, or `base-2`, `base-3` … if taken: each
 * candidate is created with an exclusive mkdir, so concurrent runs never share one.
 */
export function claimUniqueRunDir(base: string): string {
  mkdirSync(dirname(base), { recursive: true });
  for (let n = 1; n < 1000; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    try {
      mkdirSync(candidate);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${candidate}: cannot create the run directory (${(err as Error).message})`);
    }
  }
  throw new Error(`${base}: 999 run directories with this name already exist; choose --out`);
}

/**
 * Remove `<best|last>.tmp-<pid>` directories left by interrupted saves of
 * processes that no longer exist (a save in progress belongs to a live one).
 */
export function removeStaleSaves(runDir: string): string[] {
  const removed: string[] = [];
  for (const entry of readdirSync(runDir)) {
    const match = /^(?:best|last)\.tmp-(\d+)$/.exec(entry);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    rmSync(join(runDir, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
