/**
 * Global autograd switches: whether ops are recorded on the tape (`noGrad`),
 * whether forward-mode tangents are being pushed (`jvp`), and anomaly detection.
 * JavaScript is single-threaded, so plain module state is enough; the functions
 * restore the previous state even when `fn` throws. They take synchronous
 * functions only (an async callback would outlive the scope).
 */
export const autogradState = {
  gradEnabled: true,
  /** > 0 while inside jvp(): ops propagate tangents. */
  forwardDepth: 0,
  /** > 0 while a JVP rule runs: its own ops must not propagate tangents again. */
  inTangentRule: 0,
  anomaly: false,
  /** > 0 while VJP rules run: anomalies are then attributed to the op being differentiated. */
  inBackward: 0,
};

/** Run `fn` without recording ops for reverse mode (PyTorch's `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const previous = autogradState.gradEnabled;
  autogradState.gradEnabled = false;
  try {
    return fn();
  } finally {
    autogradState.gradEnabled = previous;
  }
}

/** Run `fn` with recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  const previous = autogradState.gradEnabled;
  autogradState.gradEnabled = true;
  try {
    return fn();
  } finally {
    autogradState.gradEnabled = previous;
  }
}

export function isGradEnabled(): boolean {
  return autogradState.gradEnabled;
}

export function setGradEnabled(enabled: boolean): void {
  autogradState.gradEnabled = enabled;
}

/**
 * Anomaly mode: every op checks its outputs (forward) and its input gradients
 * (backward) for NaN/Inf and throws an AnomalyError naming the op that first
 * produced one. Slow; for debugging.
 */
export function setDetectAnomaly(enabled: boolean): void {
  autogradState.anomaly = enabled;
}

export function detectAnomaly<T>(fn: () => T): T {
  const previous = autogradState.anomaly;
  autogradState.anomaly = true;
  try {
    return fn();
  } finally {
    autogradState.anomaly = previous;
  }
}

export class AnomalyError extends Error {
  constructor(readonly opName: string, readonly phase: 'forward' | 'backward', detail: string) {
    super(`anomaly: the ${phase} of op '${opName}' produced ${detail}`);
    this.name = 'AnomalyError';
  }
}
