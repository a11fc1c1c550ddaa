/**
 * Containers: Sequential chains one-tensor modules (seed 000's Linear → Sigmoid
 * → Linear → Softmax is `new Sequential(new Linear(…), new Sigmoid(), …)`);
 * ModuleList holds modules for a forward written by hand. Children are named
 * '0', '1', … as in PyTorch. (A plain array field of modules works too.)
 */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** A module whose forward maps one tensor to one tensor. */
export type TensorModule = Module & { forward(input: Tensor): Tensor };

export class ModuleList<M extends Module = Module> extends Module {
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: M): this {
    this.registerModule(String(this.#items.length), module);
    this.#items.push(module);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  /** The i-th module (negative counts from the end). */
  at(index: number): M {
    const i = index < 0 ? index + this.#items.length : index;
    const m = this.#items[i];
    if (!m) throw new RangeError(`${this.constructor.name}: index ${index} is out of range for ${this.#items.length} modules`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }
}

export class Sequential extends ModuleList<TensorModule> {
  constructor(...layers: TensorModule[]) {
    super(layers);
  }

  /** Apply the layers in order. */
  forward(input: Tensor): Tensor {
    let x = input;
    for (const layer of this) x = layer.forward(x);
    return x;
  }
}
