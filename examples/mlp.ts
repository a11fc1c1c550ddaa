/**
 * Seed 000's module-based MLP — Linear → Sigmoid → Linear → Softmax → CrossEntropy —
 * trained by mini-batch SGD on a toy 3-class problem (three Gaussian blobs in 2-D),
 * printing the falling loss. `npm run demo`.
 */
import { crossEntropy, Generator, Linear, manualSeed, Module, SGD, Sigmoid, batches, tensor, argmax, type Tensor } from '../src/index.js';

manualSeed(0);
const generator = new Generator(0);
const centers = [[-2, 0], [2, 0], [0, 2.5]];
const points: number[][] = [], labels: number[] = [];
for (let i = 0; i < 300; i++) {
  const c = i % 3;
  points.push([centers[c][0] + generator.normal(0, 1.2), centers[c][1] + generator.normal(0, 1.2)]);
  labels.push(c);
}

class Mlp extends Module {
  hidden = new Linear(2, 16);
  activation = new Sigmoid();
  output = new Linear(16, 3);
  forward(x: Tensor): Tensor {
    return this.output.forward(this.activation.forward(this.hidden.forward(x))); // logits; softmax is fused into crossEntropy
  }
}

const model = new Mlp();
const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const x = tensor(points), y = tensor(labels, { dtype: 'int32' });
for (let epoch = 1; epoch <= 30; epoch++) {
  let total = 0;
  for (const rows of batches(points.length, 30, { shuffle: true, generator })) {
    const index = tensor(rows);
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x.indexSelect(0, index)), y.indexSelect(0, index));
    loss.backward();
    optimizer.step();
    total += loss.item() * rows.length;
  }
  if (epoch === 1 || epoch % 5 === 0) console.log(`epoch ${String(epoch).padStart(2)}  loss ${(total / points.length).toFixed(4)}`);
}
const predicted = argmax(model.forward(x), 1);
let correct = 0;
for (let i = 0; i < labels.length; i++) if (predicted.data[i] === labels[i]) correct++;
console.log(`training accuracy ${(100 * correct / points.length).toFixed(1)}%`);
