/**
 * Where a run keeps its best/ and last/ checkpoints. The training road is the
 * same on every host; only this differs: Node writes checkpoint directories
 * atomically (src/node/train/checkpoint-dir.ts), a page keeps them in memory
 * (below) or in IndexedDB. A store may be asynchronous: the loop awaits it.
 */
import { copyCheckpoint, type Checkpoint } from './checkpoint.js';
import type { CheckpointKind } from './loop.js';

export interface CheckpointStore {
  /** Replace the checkpoint of this kind; a failure must leave the previous one intact. */
  save(kind: CheckpointKind, checkpoint: Checkpoint): void | Promise<void>;
  /** The checkpoint of this kind, or undefined when none was saved. */
  load(kind: CheckpointKind): Checkpoint | undefined | Promise<Checkpoint | undefined>;
}

/** Checkpoints kept in memory (copies in, copies out): a browser page's store, and the tests'. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly saved = new Map<CheckpointKind, Checkpoint>();

  save(kind: CheckpointKind, checkpoint: Checkpoint): void {
    this.saved.set(kind, copyCheckpoint(checkpoint));
  }

  load(kind: CheckpointKind): Checkpoint | undefined {
    const checkpoint = this.saved.get(kind);
    return checkpoint && copyCheckpoint(checkpoint);
  }

  has(kind: CheckpointKind): boolean {
    return this.saved.has(kind);
  }
}
