/**
 * Streaming text files of any size as strict UTF-8, in line-aligned chunks, so
 * tokenizer training and statistics never hold a whole corpus in memory.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';

export interface StreamOptions {
  /** Decode invalid UTF-8 as U+FFFD instead of failing. */
  replaceInvalid?: boolean;
  /** Called after each chunk with the bytes read so far over all files. */
  onBytes?: (bytesRead: number) => void;
  chunkBytes?: number;
}

/** Total size of the files in bytes (for progress bars); a missing file is a clear error. */
export function totalBytes(paths: readonly string[]): number {
  let total = 0;
  for (const path of paths) {
    let size: number;
    try {
      const stat = statSync(path);
      if (stat.isDirectory()) throw new Error(`${path}: is a directory, expected a text file`);
      size = stat.size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${path}: no such file`);
      throw err;
    }
    total += size;
  }
  return total;
}

/**
 * Byte offset of the first byte that does not start or continue a valid UTF-8
 * sequence (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), or -1.
 */
export function firstInvalidUtf8Offset(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(1 << 20);
    let offset = 0;
    let need = 0; // continuation bytes still expected
    let low = 0x80;
    let high = 0xbf; // allowed range of the next continuation byte
    let sequenceStart = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) return need > 0 ? sequenceStart : -1;
      for (let i = 0; i < n; i++, offset++) {
        const b = buffer[i];
        if (need > 0) {
          if (b < low || b > high) return sequenceStart;
          need--;
          low = 0x80;
          high = 0xbf;
          continue;
        }
        sequenceStart = offset;
        if (b < 0x80) continue;
        if (b >= 0xc2 && b <= 0xdf) need = 1;
        else if (b >= 0xe0 && b <= 0xef) {
          need = 2;
          if (b === 0xe0) low = 0xa0;
          if (b === 0xed) high = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          need = 3;
          if (b === 0xf0) low = 0x90;
          if (b === 0xf4) high = 0x8f;
        } else return offset;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Call `onText` with each file's text in chunks that end at a line feed (or the
 * end of the file), and `onFileEnd` after each file.
 */
export async function streamTextFiles(
  paths: readonly string[],
  onText: (text: string, path: string) => void,
  onFileEnd: (path: string) => void,
  options: StreamOptions = {},
): Promise<void> {
  let bytesRead = 0;
  for (const path of paths) {
    // A BOM at the start of a file is its encoding signature, not text: the decoder strips it
    // (WHATWG Encoding's default; Python's 'utf-8-sig'), as readTextFile does. One decoder per
    // file, so only a file's first U+FEFF goes; one inside the text is kept.
    const decoder = new TextDecoder('utf-8', { fatal: !options.replaceInvalid });
    let carry = '';
    const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        bytesRead += chunk.length;
        const text = carry + decoder.decode(chunk, { stream: true });
        const cut = text.lastIndexOf('\n') + 1;
        if (cut > 0) {
          onText(cut === text.length ? text : text.slice(0, cut), path);
          carry = text.slice(cut);
        } else carry = text;
        options.onBytes?.(bytesRead);
      }
      const rest = carry + decoder.decode();
      if (rest.length > 0) onText(rest, path);
    } catch (err) {
      stream.destroy();
      if (err instanceof TypeError && (err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
        const offset = firstInvalidUtf8Offset(path);
        throw new Error(`${path}: not valid UTF-8 (first bad byte at offset ${offset}); pass --replace-invalid to decode with U+FFFD`);
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new Error(`${path}: no such file`);
      if (code === 'EISDIR') throw new Error(`${path}: is a directory, expected a text file`);
      throw err;
    }
    onFileEnd(path);
  }
}
