/**
 * The Module tree: discovery from fields, path names, state dicts and their
 * errors, weight tying, train/eval, seeded initialization, dtype conversion,
 * functionalCall, and the input-shape errors of the layers.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Generator, Module, Parameter, Tensor } from '../../src/index.js';

class Block extends Module {
  attn = new lm.Linear(4, 4);
  norm = new lm.LayerNorm(4);
}

class Net extends Module {
  embed = new lm.Embedding(10, 4);
  blocks = [new Block(), new Block()];
  heads = new lm.ModuleList([new lm.Linear(4, 2, { bias: false })]);
  scale = new Parameter(lm.ones([1]));
  frozen: Parameter;
  note = 'not a module';
  constructor() {
    super();
    this.frozen = new Parameter(lm.zeros([3]), false);
  }
}

/** A language-model-shaped module whose output layer reuses the embedding table (Press & Wolf 2017). */
class TiedLM extends Module {
  embed: lm.Embedding;
  head: lm.Linear;
  constructor(generator?: Generator) {
    super();
    this.embed = new lm.Embedding(5, 3, { dtype: 'float64', generator });
    this.head = new lm.Linear(3, 5, { bias: false, dtype: 'float64', generator });
    this.head.weight = this.embed.weight;
  }
  forward(ids: Tensor): Tensor {
    return this.head.forward(this.embed.forward(ids));
  }
}

const names = (m: Module): string[] => m.namedParameters().map(([n]) => n);

describe('Module discovery and names', () => {
  test('parameters and submodules are found in fields, arrays and ModuleLists, named by path', () => {
    const net = new Net();
    assert.deepEqual(names(net), [
      'scale', 'frozen',
      'embed.weight',
      'blocks.0.attn.weight', 'blocks.0.attn.bias', 'blocks.0.norm.weight', 'blocks.0.norm.bias',
      'blocks.1.attn.weight', 'blocks.1.attn.bias', 'blocks.1.norm.weight', 'blocks.1.norm.bias',
      'heads.0.weight',
    ]);
    assert.deepEqual(net.namedChildren().map(([n]) => n), ['embed', 'blocks.0', 'blocks.1', 'heads']);
    assert.deepEqual(net.namedModules().map(([n]) => n), [
      '', 'embed', 'blocks.0', 'blocks.0.attn', 'blocks.0.norm', 'blocks.1', 'blocks.1.attn', 'blocks.1.norm', 'heads', 'heads.0',
    ]);
    // 1 + 3 + 40 + 2·(20 + 8) + 8
    assert.equal(net.numParameters(), 1 + 3 + 40 + 2 * (16 + 4 + 4 + 4) + 8);
    assert.equal(net.numParameters({ trainableOnly: true }), net.numParameters() - 3);
    assert.ok(net.parameters().every((p) => p instanceof Parameter));
  });

  test('Sequential children are named 0, 1, … as in PyTorch', () => {
    const seq = new lm.Sequential(new lm.Linear(2, 3), new lm.ReLU(), new lm.Linear(3, 1));
    assert.deepEqual(names(seq), ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.equal(seq.length, 3);
    assert.ok(seq.at(-1) instanceof lm.Linear);
    assert.throws(() => seq.at(3), /index 3 is out of range for 3 modules/);
  });

  test('PyTorch names registered explicitly: MultiheadAttention and TransformerBlock', () => {
    const block = new lm.TransformerBlock(8, 2, { ffDim: 16 });
    assert.deepEqual(names(block), [
      'self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias',
      'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias', 'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias',
    ]);
    // The camelCase fields are typed aliases of the registered objects, not extra entries.
    assert.equal(block.selfAttn.inProjWeight, block.namedParameters()[0][1]);
  });

  test('apply visits children before parents; train/eval reach every module', () => {
    const net = new Net();
    const order: string[] = [];
    net.apply((m) => order.push(m.constructor.name));
    assert.deepEqual(order, ['Embedding', 'Linear', 'LayerNorm', 'Block', 'Linear', 'LayerNorm', 'Block', 'Linear', 'ModuleList', 'Net']);
    net.eval();
    assert.ok(net.modules().every((m) => !m.training));
    net.train();
    assert.ok(net.modules().every((m) => m.training));
  });

  test('zeroGrad drops gradients; requiresGrad_(false) freezes', () => {
    const lin = new lm.Linear(3, 2);
    lm.sum(lin.forward(lm.ones([4, 3]))).backward();
    assert.ok(lin.weight.grad && lin.bias?.grad);
    lin.zeroGrad();
    assert.equal(lin.weight.grad, null);
    lin.requiresGrad_(false);
    assert.equal(lin.forward(lm.ones([1, 3])).requiresGrad, false);
  });

  test('toString prints the tree', () => {
    const seq = new lm.Sequential(new lm.Linear(2, 3), new lm.Sigmoid());
    assert.equal(seq.toString(), 'Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n  (1): Sigmoid()\n)');
  });
});

describe('stateDict / loadStateDict', () => {
  test('round trip: a second model loaded with the first one\'s state computes the same function', () => {
    const a = new lm.LSTM(3, 4, { numLayers: 2, bidirectional: true, generator: new Generator(1) });
    const b = new lm.LSTM(3, 4, { numLayers: 2, bidirectional: true, generator: new Generator(2) });
    const x = lm.randn([5, 2, 3], { generator: new Generator(3) });
    assert.notDeepEqual(a.forward(x).output.toArray(), b.forward(x).output.toArray());
    const state = a.stateDict();
    assert.deepEqual(Object.keys(state), names(a));
    assert.ok(Object.values(state).every((t) => !t.requiresGrad), 'state dict values are detached');
    const result = b.loadStateDict(state);
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    assert.deepEqual(b.forward(x).output.toArray(), a.forward(x).output.toArray());
    // Loading copied the values: changing the source afterwards does not touch b.
    state.weight_ih_l0.data.fill(0);
    assert.notEqual(b.stateDict().weight_ih_l0.data[0], 0);
  });

  test('state dict values share storage with the parameters (PyTorch semantics)', () => {
    const lin = new lm.Linear(2, 2);
    const state = lin.stateDict();
    assert.equal(state.weight.data, lin.weight.data);
  });

  test('errors list every missing, unexpected and mis-shaped key with shapes, and load nothing', () => {
    const lin = new lm.Linear(3, 2);
    const before = lin.weight.data.slice();
    const bad = { weight: lm.zeros([3, 2]), extra: lm.zeros([7]), also: lm.zeros([1, 1]) };
    assert.throws(() => lin.loadStateDict(bad), (e: Error) => {
      assert.ok(e instanceof lm.StateDictError);
      assert.match(e.message, /weight: checkpoint has \[3, 2\], model has \[2, 3\]/);
      assert.match(e.message, /missing keys: bias \[2\]/);
      assert.match(e.message, /unexpected keys: extra \[7\], also \[1, 1\]/);
      return true;
    });
    assert.deepEqual(lin.weight.data, before);
  });

  test('strict: false reports missing/unexpected keys instead of throwing, but shape mismatches still throw', () => {
    const lin = new lm.Linear(3, 2);
    const weight = lm.full([2, 3], 0.5);
    const result = lin.loadStateDict({ weight, extra: lm.zeros([1]) }, { strict: false });
    assert.deepEqual(result, { missingKeys: ['bias'], unexpectedKeys: ['extra'] });
    assert.ok(Array.from(lin.weight.data).every((v) => v === 0.5));
    assert.throws(() => lin.loadStateDict({ bias: lm.zeros([3]) }, { strict: false }), /bias: checkpoint has \[3\], model has \[2\]/);
  });

  test('loading converts dtypes (float64 checkpoint into a float32 model) and accepts a Map', () => {
    const lin = new lm.Linear(2, 1);
    lin.loadStateDict(new Map([['weight', lm.tensor([[0.1, 0.2]], { dtype: 'float64' })], ['bias', lm.tensor([0.3], { dtype: 'float64' })]]));
    assert.equal(lin.weight.dtype, 'float32');
    assert.equal(lin.weight.data[1], Math.fround(0.2));
  });

  test('Module.to converts parameters, keeping tied weights tied', () => {
    const model = new TiedLM();
    model.float();
    assert.equal(model.embed.weight.dtype, 'float32');
    assert.equal(model.head.weight, model.embed.weight);
    model.double();
    assert.equal(model.head.weight.dtype, 'float64');
    const mha = new lm.MultiheadAttention(4, 2).double();
    assert.equal(mha.inProjWeight?.dtype, 'float64', 'typed alias fields follow the registered parameter');
    assert.ok(mha.parameters().every((p) => p.dtype === 'float64'));
  });
});

describe('weight tying', () => {
  test('a shared Parameter is listed once, saved under both names, and gets both gradients', () => {
    const model = new TiedLM(new Generator(4));
    assert.deepEqual(names(model), ['embed.weight']);
    assert.equal(model.numParameters(), 15);
    const state = model.stateDict();
    assert.deepEqual(Object.keys(state), ['embed.weight', 'head.weight']);
    assert.equal(state['embed.weight'].data, state['head.weight'].data);

    const ids = lm.tensor([[0, 3, 3, 1]], { dtype: 'int32' });
    lm.sum(lm.mul(model.forward(ids), lm.arange(0, 20, 1, { dtype: 'float64' }).reshape([1, 4, 5]))).backward();
    // Oracle: the same computation with two separate copies of the table; the tied gradient is their sum.
    const table = model.embed.weight.detach();
    const asEmbedding = table.clone().requiresGrad_(), asHead = table.clone().requiresGrad_();
    const out = lm.linear(lm.embedding(asEmbedding, ids), asHead);
    lm.sum(lm.mul(out, lm.arange(0, 20, 1, { dtype: 'float64' }).reshape([1, 4, 5]))).backward();
    const expected = lm.add(asEmbedding.grad as Tensor, asHead.grad as Tensor);
    assert.deepEqual(Array.from((model.embed.weight.grad as Tensor).data), Array.from(expected.data));
  });

  test('loading a state dict keeps the tie (both names write the same tensor)', () => {
    const model = new TiedLM();
    const values = lm.arange(0, 15, 1, { dtype: 'float64' }).reshape([5, 3]);
    model.loadStateDict({ 'embed.weight': values, 'head.weight': values });
    assert.equal(model.head.weight, model.embed.weight);
    assert.deepEqual(Array.from(model.head.weight.data), Array.from(values.data));
  });

  test('a checkpoint that saved the tied tensor once (under either name) loads strictly', () => {
    const model = new TiedLM();
    const values = lm.full([5, 3], 0.25, { dtype: 'float64' });
    assert.deepEqual(model.loadStateDict({ 'head.weight': values }), { missingKeys: [], unexpectedKeys: [] });
    assert.ok(Array.from(model.embed.weight.data).every((v) => v === 0.25));
    const untied = new lm.Sequential(new lm.Embedding(5, 3), new lm.Linear(3, 5, { bias: false }));
    assert.throws(() => untied.loadStateDict({ '0.weight': values }), /missing keys: 1\.weight \[5, 3\]/);
  });
});

describe('train / eval and seeded initialization', () => {
  test('Dropout is active in training (zeros, survivors scaled by 1/(1 − p)) and the identity in eval', () => {
    const drop = new lm.Dropout(0.25, { generator: new Generator(7) });
    const x = lm.ones([1000], { dtype: 'float64' });
    const y = drop.forward(x);
    const values = Array.from(y.data);
    assert.ok(values.every((v) => v === 0 || v === 1 / 0.75));
    const dropped = values.filter((v) => v === 0).length;
    assert.ok(dropped > 180 && dropped < 320, `dropped ${dropped} of 1000 at p = 0.25`);
    drop.eval();
    assert.equal(drop.forward(x), x);
  });

  test('the same generator seed gives the same dropout mask', () => {
    const x = lm.ones([50]);
    const a = new lm.Dropout(0.5, { generator: new Generator(11) }).forward(x);
    const b = new lm.Dropout(0.5, { generator: new Generator(11) }).forward(x);
    assert.deepEqual(a.toArray(), b.toArray());
  });

  test('eval() on a parent turns off a nested block\'s dropout', () => {
    const block = new lm.TransformerBlock(8, 2, { dropout: 0.5, generator: new Generator(1) });
    const x = lm.randn([2, 3, 8], { generator: new Generator(2) });
    const trainA = block.forward(x), trainB = block.forward(x);
    assert.notDeepEqual(trainA.toArray(), trainB.toArray(), 'masks differ between training calls');
    block.eval();
    assert.deepEqual(block.forward(x).toArray(), block.forward(x).toArray());
  });

  test('initialization is reproducible from a seed, via manualSeed or a generator option', () => {
    lm.manualSeed(123);
    const a = new lm.GRU(3, 4, { numLayers: 2 });
    lm.manualSeed(123);
    const b = new lm.GRU(3, 4, { numLayers: 2 });
    const c = new lm.GRU(3, 4, { numLayers: 2 });
    const d = new lm.GRU(3, 4, { numLayers: 2, generator: new Generator(123) });
    const e = new lm.GRU(3, 4, { numLayers: 2, generator: new Generator(123) });
    const flat = (m: Module): number[] => m.parameters().flatMap((p) => Array.from(p.data));
    assert.deepEqual(flat(a), flat(b));
    assert.notDeepEqual(flat(a), flat(c));
    assert.deepEqual(flat(d), flat(e));
  });
});

describe('functionalCall', () => {
  test('swaps parameters by name for one call and restores them', () => {
    const lin = new lm.Linear(2, 1, { dtype: 'float64' });
    const x = lm.tensor([[1, 2]], { dtype: 'float64' });
    const original = lin.forward(x).item();
    const y = lm.functionalCall(lin, { weight: lm.tensor([[3, 4]], { dtype: 'float64' }), bias: lm.zeros([1], { dtype: 'float64' }) }, () => lin.forward(x));
    assert.equal(y.item(), 11); // 1·3 + 2·4
    assert.equal(lin.forward(x).item(), original);
    assert.throws(() => lm.functionalCall(lin, { nope: lm.zeros([1]) }, () => 0), /no parameter or buffer named 'nope'/);
    assert.throws(() => lm.functionalCall(lin, { bias: lm.zeros([2]) }, () => 0), /'bias' has shape \[1\], replacement has \[2\]/);
  });

  test('replaces a tied parameter everywhere', () => {
    const model = new TiedLM();
    const replacement = lm.zeros([5, 3], { dtype: 'float64' });
    lm.functionalCall(model, { 'embed.weight': replacement }, () => {
      assert.equal(model.head.weight as Tensor, replacement);
      assert.equal(model.embed.weight as Tensor, replacement);
    });
    assert.equal(model.head.weight, model.embed.weight);
    assert.ok(model.head.weight instanceof Parameter);
  });
});

describe('input checks name the module and both shapes', () => {
  test('layers', () => {
    assert.throws(() => new lm.Linear(4, 3).forward(lm.zeros([2, 5])), /Linear: input has shape \[2, 5\], expected \(…, 4\)/);
    assert.throws(() => new lm.Conv1d(3, 2, 2).forward(lm.zeros([1, 4, 6])), /Conv1d: input has shape \[1, 4, 6\], expected \(N, 3, L\)/);
    assert.throws(() => new lm.LayerNorm(5).forward(lm.zeros([2, 4])), /LayerNorm: input has shape \[2, 4\], expected \(…, 5\)/);
    assert.throws(() => new lm.Embedding(3, 2).forward(lm.zeros([2])), /Embedding: ids must be an int32 tensor/);
    assert.throws(() => new lm.LSTM(3, 4).forward(lm.zeros([5, 2, 2])), /LSTM: input has shape \[5, 2, 2\], expected \(T, B, 3\)/);
    assert.throws(() => new lm.GRU(3, 4, { batchFirst: true }).forward(lm.zeros([2, 5, 3]), lm.zeros([1, 5, 4])),
      /GRU: h0 has shape \[1, 5, 4\], expected \[1, 2, 4\]/);
    assert.throws(() => new lm.LSTM(3, 4).forward(lm.zeros([5, 2, 3]), lm.zeros([1, 2, 4])), /LSTM: pass both h0 and c0/);
    assert.throws(() => new lm.MultiheadAttention(8, 2, { batchFirst: true }).forward(lm.zeros([2, 3, 6])), /MultiheadAttention: query has shape \[2, 3, 6\], expected \(B, T, 8\)/);
    assert.throws(() => new lm.MultiheadAttention(8, 3), /embedDim 8 must be divisible by numHeads 3/);
    assert.throws(() => new lm.TransformerBlock(8, 2).forward(lm.zeros([3, 8])), /TransformerBlock: input has shape \[3, 8\], expected \(B, T, 8\)/);
    assert.throws(() => new lm.RNN(2, 2, { nonlinearity: 'gelu' as lm.RNNNonlinearity }), /nonlinearity must be 'tanh', 'relu' or 'sigmoid'/);
  });
});
