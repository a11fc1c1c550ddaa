/**
 * safetensors files on disk: reading names the file in every error; writing is
 * atomic (temp file + rename) and refuses to replace an existing file unless
 * `force` is set — an interrupted save never destroys the previous weights.
 */
import { readFileSync } from 'node:fs';
import { parseSafetensors, serializeSafetensors, type SafetensorsContents } from '../../io/safetensors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { writeFileAtomic } from '../files.js';

export function readSafetensorsFile(path: string): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path}: no such file`);
    if (code === 'EISDIR') throw new Error(`${path}: is a directory, expected a .safetensors file`);
    throw new Error(`${path}: cannot read (${(err as Error).message})`);
  }
  return parseSafetensors(bytes, path);
}

export interface WriteSafetensorsOptions {
  metadata?: Record<string, string>;
  /** Replace an existing file (default false: an existing file is an error). */
  force?: boolean;
}

export function writeSafetensorsFile(path: string, tensors: Record<string, Tensor> | ReadonlyMap<string, Tensor>, options: WriteSafetensorsOptions = {}): void {
  writeFileAtomic(path, serializeSafetensors(tensors, options.metadata), { force: options.force });
}
