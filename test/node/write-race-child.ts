/**
 * Child process for files-race.test.ts: waits until a given wall-clock moment,
 * then saves a file without --force. Exits 0 when it wrote the file, 3 when the
 * file already existed. Does nothing without arguments (the test runner also
 * executes every .js under test/).
 */
import { FileExistsError, writeFileAtomic } from '../../src/node/files.js';

const [path, content, startAt] = process.argv.slice(2);
if (path) {
  while (Date.now() < Number(startAt)) { /* spin: both processes start writing at the same moment */ }
  try {
    writeFileAtomic(path, content);
  } catch (err) {
    if (!(err instanceof FileExistsError)) throw err;
    process.exit(3);
  }
}
