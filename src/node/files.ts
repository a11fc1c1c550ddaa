/**
 * File helpers shared by every CLI command. Two promises to users:
 * no command overwrites an existing file unless asked (`--force`), and a write
 * that is interrupted never destroys the previous file (write to a temp file,
 * then rename over the target — rename is atomic on POSIX filesystems).
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class FileExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists; pass --force to overwrite it`);
    this.name = 'FileExistsError';
  }
}

/** Throw unless `path` is free or `force` is set. */
export function assertWritable(path: string, force: boolean): void {
  if (!force && existsSync(path)) throw new FileExistsError(path);
}

/**
 * Write chunks atomically: a temp file in the same directory, fsync, then rename
 * over `path`. Returns the number of bytes written; streams large outputs (ARPA).
 */
export function writeChunksAtomic(path: string, chunks: Iterable<string | Uint8Array>, options: { force?: boolean } = {}): number {
  assertWritable(path, options.force ?? false);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let bytes = 0;
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const chunk of chunks) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        let offset = 0;
        while (offset < buf.length) offset += writeSync(fd, buf, offset, buf.length - offset);
        bytes += buf.length;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.force) renameSync(tmp, path);
    else publishExclusively(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return bytes;
}

/**
 * Give the finished temp file its final name only if that name is still free:
 * link(2) fails when the target exists, atomically, so of two processes saving
 * the same new file exactly one wins (a check-then-rename lets both "win").
 * Filesystems without hard links fall back to check-then-rename.
 */
function publishExclusively(tmp: string, path: string): void {
  try {
    linkSync(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new FileExistsError(path);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    assertWritable(path, false);
    renameSync(tmp, path);
    return;
  }
  rmSync(tmp, { force: true });
}

/** Write one string or byte array atomically (see writeChunksAtomic). */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: { force?: boolean } = {}): void {
  writeChunksAtomic(path, [data], options);
}

/** Read a text file as strict UTF-8; an invalid byte sequence is an error naming the file and offset, unless `replace` is set. */
export function readTextFile(path: string, options: { replace?: boolean } = {}): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path}: no such file`);
    if (code === 'EISDIR') throw new Error(`${path}: is a directory, expected a text file`);
    throw new Error(`${path}: cannot read (${(err as Error).message})`);
  }
  // A BOM at the start of the file is its encoding signature, not text: both decoders strip it
  // (WHATWG Encoding's default; Python's 'utf-8-sig'), as streamTextFiles does.
  if (options.replace) return new TextDecoder('utf-8').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    throw new Error(`${path}: not valid UTF-8 (first bad byte at offset ${offset}); pass --replace-invalid to decode with U+FFFD`);
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}
