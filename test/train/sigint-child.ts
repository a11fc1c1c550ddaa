/**
 * Child process for run-signal.test.ts: trains until it receives SIGINT, then
 * prints its summary as JSON. Prints READY after the first update so the parent
 * knows the loop is running. Does nothing when started without an output
 * directory (the test runner also executes every .js under test/).
 */
import { runTraining } from '../../src/node/train/run.js';

const outDir = process.argv[2];
if (outDir) {
  const text = 'a stitch in time saves nine; a rolling stone gathers no moss.\n'.repeat(8);
  let ready = false;
  const summary = await runTraining({
    model: { type: 'gru', hiddenSize: 16, embeddingSize: 8 },
    text, outDir, quiet: true,
    training: { maxIters: 1_000_000, batchSize: 2, blockSize: 8, evalInterval: 1_000_000, evalIters: 1, logInterval: 1, warmupIters: 0, decayLr: false },
    onMetrics(record) {
      if (!ready && record.kind === 'step') {
        ready = true;
        process.stdout.write('READY\n');
      }
    },
  });
  process.stdout.write(`${JSON.stringify({ stoppedBy: summary.stoppedBy, steps: summary.steps })}\n`);
}
