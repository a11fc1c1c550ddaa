/**
 * One training step (forward + backward + clip + AdamW) of nanoGPT's CPU "baby GPT"
 * (4 layers, 4 heads, 128 wide, block 64, batch 12, 65-char vocabulary, no biases,
 * tied embeddings) built from lmkit's nn modules, timed next to the PyTorch
 * reference (bench/reference/baby_gpt.py) in the same run when torch is available.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as lm from '../src/index.js';
import { markdownTable, median } from './machine.js';

const B = 12, T = 64, C = 128, H = 4, L = 4, V = 65;

class Block extends lm.Module {
  ln1 = new lm.LayerNorm(C, { bias: false });
  qkv = new lm.Linear(C, 3 * C, { bias: false });
  proj = new lm.Linear(C, C, { bias: false });
  ln2 = new lm.LayerNorm(C, { bias: false });
  fc = new lm.Linear(C, 4 * C, { bias: false });
  out = new lm.Linear(4 * C, C, { bias: false });

  forward(x: lm.Tensor): lm.Tensor {
    const [q, k, v] = lm.split(this.qkv.forward(this.ln1.forward(x)), C, -1); // 3 × (B, T, C)
    const heads = (t: lm.Tensor): lm.Tensor => lm.transpose(lm.reshape(t, [B, T, H, C / H]), 1, 2); // (B, H, T, hs)
    const y = lm.scaledDotProductAttention(heads(q), heads(k), heads(v), { isCausal: true });
    x = lm.add(x, this.proj.forward(lm.reshape(lm.transpose(y, 1, 2), [B, T, C])));
    return lm.add(x, this.out.forward(lm.gelu(this.fc.forward(this.ln2.forward(x)))));
  }
}

class BabyGpt extends lm.Module {
  tok = new lm.Embedding(V, C);
  pos = new lm.Embedding(T, C);
  blocks = Array.from({ length: L }, () => new Block());
  lnF = new lm.LayerNorm(C, { bias: false });
  positions = lm.arange(T);

  forward(ids: lm.Tensor, targets: lm.Tensor): lm.Tensor {
    let x = lm.add(this.tok.forward(ids), this.pos.forward(this.positions));
    for (const block of this.blocks) x = block.forward(x);
    const logits = lm.matmulT(lm.reshape(this.lnF.forward(x), [B * T, C]), this.tok.weight, false, true); // tied head
    return lm.crossEntropy(logits, lm.reshape(targets, [B * T]));
  }
}

export function lmkitStepMs(steps: number): { ms: number; loss: number } {
  lm.manualSeed(1337);
  const model = new BabyGpt();
  const params = model.parameters();
  // baby_gpt.py's init: N(0, 0.02) for matrices, residual output projections scaled by 1/√(2L).
  for (const [name, p] of model.namedParameters()) {
    if (p.ndim === 2) lm.init.normal(p, 0, /(proj|out)\.weight$/.test(name) ? 0.02 / Math.sqrt(2 * L) : 0.02);
  }
  const optimizer = new lm.AdamW(
    [{ params: params.filter((p) => p.ndim >= 2), weightDecay: 0.1 }, { params: params.filter((p) => p.ndim < 2), weightDecay: 0 }],
    { lr: 1e-3, betas: [0.9, 0.99] },
  );
  const generator = new lm.Generator(1);
  const times: number[] = [];
  let loss = 0;
  for (let step = 0; step < steps; step++) {
    const ids = lm.randint(0, V, [B, T], { generator }), targets = lm.randint(0, V, [B, T], { generator });
    const start = performance.now();
    optimizer.zeroGrad();
    const l = model.forward(ids, targets);
    l.backward();
    lm.clipGradNorm(params, 1.0);
    optimizer.step();
    loss = l.item();
    times.push(performance.now() - start);
  }
  return { ms: median(times.slice(2)), loss };
}

/** ms/iter of the PyTorch reference, or a reason it could not run. */
function pytorchStepMs(iters: number): { ms: number | null; note: string } {
  const script = fileURLToPath(new URL('../../bench/reference/baby_gpt.py', import.meta.url));
  const data = fileURLToPath(new URL('../../data/tinyshakespeare.txt', import.meta.url));
  if (!existsSync('/usr/bin/python3')) return { ms: null, note: 'no /usr/bin/python3' };
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
  const env = { ...process.env, ...(existsSync(openblas) ? { LD_LIBRARY_PATH: openblas } : {}) };
  try {
    const out = execFileSync('/usr/bin/python3', [script, '--data', data, '--iters', String(iters), '--eval_every', String(iters * 10), '--eval_batches', '1', '--threads', '2'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const match = /ms\/iter median ([\d.]+)/.exec(out);
    const torch = /torch (\S+) threads (\d+)/.exec(out);
    return { ms: match ? Number(match[1]) : null, note: `torch ${torch?.[1] ?? '?'}, ${torch?.[2] ?? '?'} threads${existsSync(openblas) ? ', OpenBLAS (openmp)' : ', default BLAS (not a fair reference)'}` };
  } catch (err) {
    return { ms: null, note: `PyTorch reference not run (${(err as Error).message.split('\n')[0].slice(0, 80)})` };
  }
}

export async function benchGptStep(options: { quick: boolean }): Promise<string> {
  const steps = options.quick ? 5 : 20;
  const ours = lmkitStepMs(steps);
  const torch = pytorchStepMs(options.quick ? 20 : 60);
  const rows: (string | number)[][] = [
    ['lmkit (js backend, 1 thread)', ours.ms.toFixed(1), torch.ms ? `${(ours.ms / torch.ms).toFixed(1)}×` : '—'],
    [`PyTorch, same run (${torch.note})`, torch.ms ? torch.ms.toFixed(1) : '—', torch.ms ? '1.0×' : '—'],
    ['TensorFlow.js 4.22 WASM SIMD (issue figure, same machine type)', '1392', torch.ms ? `${(1392 / torch.ms).toFixed(1)}×` : '—'],
  ];
  return `### Baby-GPT training step (4 layers, 4 heads, 128 wide, B=12, T=64: forward + backward + clip + AdamW)\n\n${markdownTable(['implementation', 'ms / step (median)', 'vs PyTorch'], rows)}\n`;
}
