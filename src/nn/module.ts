/**
 * Module: the PyTorch-style building block — seed 000's "module-based autodiff"
 * in its object-oriented form, where each layer is an object whose forward
 * builds the graph and autograd supplies the backward.
 *
 * Parameters and submodules are discovered from the instance's own fields
 * (`this.weight = new Parameter(…)`, `this.blocks = [new Block(), …]`) and
 * named by their path ('blocks.0.attn.in_proj_weight'). A module whose names
 * cannot be field names (PyTorch's 'weight_ih_l0', 'self_attn', 'out_proj')
 * registers them explicitly with `registerParameter`/`registerModule`; a field
 * holding an already registered object is then just a typed alias for it.
 *
 * Each subclass declares its own typed `forward(...)`; the base class does not,
 * so no module needs `any` in its signature.
 */
import { castData } from '../tensor/creation.js';
import { isFloat, type FloatDType } from '../tensor/dtype.js';
import type { Generator } from '../tensor/random.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';

/** Options every parameterized module accepts. */
export interface ModuleOptions {
  /** Parameter dtype (default float32; float64 for gradient checks). */
  dtype?: FloatDType;
  /** Generator for initialization (default: the seeded `defaultGenerator`). */
  generator?: Generator;
}

/** Parameter/buffer name → tensor (detached, sharing storage with the module). */
export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** Require exactly the module's keys (default true). Shape mismatches always throw. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export class StateDictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateDictError';
  }
}

type SlotKind = 'parameter' | 'buffer' | 'module';

/** One place where a module holds a tensor or a child: named (for state dicts) or an alias (typed field). */
interface Slot {
  name: string;
  kind: SlotKind;
  /** A field that refers to an explicitly registered object: updated on swaps, never named. */
  alias: boolean;
  persistent: boolean;
  get(): unknown;
  set(value: unknown): void;
}

const NAME_PATTERN = /^[^.]+$/;

export abstract class Module {
  /** Training mode (dropout active). Set for the whole tree with `train()`/`eval()`. */
  training = true;
  readonly #parameters = new Map<string, Parameter | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #nonPersistent = new Set<string>();
  readonly #modules = new Map<string, Module | null>();

  // ------------------------------------------------------------ registration

  /** Add a parameter under an explicit name (one that need not be a field name). Returns it. */
  registerParameter<P extends Parameter | null>(name: string, parameter: P): P {
    this.#checkName('registerParameter', name, this.#parameters);
    if (parameter !== null && !(parameter instanceof Parameter)) {
      throw new TypeError(`${this.constructor.name}.registerParameter('${name}'): expected a Parameter (wrap tensors with new Parameter(t))`);
    }
    this.#parameters.set(name, parameter);
    return parameter;
  }

  /** Add a submodule under an explicit name. Returns it. */
  registerModule<M extends Module | null>(name: string, module: M): M {
    this.#checkName('registerModule', name, this.#modules);
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${this.constructor.name}.registerModule('${name}'): expected a Module`);
    this.#modules.set(name, module);
    return module;
  }

  /**
   * Add a non-trainable tensor that belongs to the module's state (running
   * statistics, fixed tables). Persistent buffers appear in `stateDict()`.
   */
  registerBuffer<T extends Tensor | null>(name: string, buffer: T, options: { persistent?: boolean } = {}): T {
    this.#checkName('registerBuffer', name, this.#buffers);
    this.#buffers.set(name, buffer);
    if (options.persistent === false) this.#nonPersistent.add(name);
    else this.#nonPersistent.delete(name);
    return buffer;
  }

  #checkName(method: string, name: string, own: Map<string, unknown>): void {
    if (!NAME_PATTERN.test(name)) throw new RangeError(`${this.constructor.name}.${method}: invalid name '${name}' (non-empty, no '.')`);
    for (const map of [this.#parameters, this.#buffers, this.#modules] as Map<string, unknown>[]) {
      if (map !== own && map.has(name)) throw new RangeError(`${this.constructor.name}.${method}: '${name}' is already registered as another kind`);
    }
  }

  /** A parameter registered with `registerParameter` on this module (for subclasses with generated names). */
  protected registeredParameter(name: string): Tensor {
    const p = this.#parameters.get(name);
    if (!p) throw new RangeError(`${this.constructor.name}: no parameter named '${name}'`);
    return p;
  }

  /** A buffer registered on this module. */
  protected registeredBuffer(name: string): Tensor | null {
    return this.#buffers.get(name) ?? null;
  }

  // ------------------------------------------------------------ discovery

  /** Every direct slot: registered entries first (in registration order), then fields in declaration order. */
  #slots(): Slot[] {
    const slots: Slot[] = [];
    const registered = new Set<unknown>();
    for (const name of this.#parameters.keys()) {
      registered.add(this.#parameters.get(name));
      slots.push({
        name, kind: 'parameter', alias: false, persistent: true,
        get: () => this.#parameters.get(name), set: (v) => { this.#parameters.set(name, v as Parameter); },
      });
    }
    for (const name of this.#buffers.keys()) {
      registered.add(this.#buffers.get(name));
      slots.push({
        name, kind: 'buffer', alias: false, persistent: !this.#nonPersistent.has(name),
        get: () => this.#buffers.get(name), set: (v) => { this.#buffers.set(name, v as Tensor); },
      });
    }
    for (const name of this.#modules.keys()) {
      registered.add(this.#modules.get(name));
      slots.push({
        name, kind: 'module', alias: false, persistent: true,
        get: () => this.#modules.get(name), set: (v) => { this.#modules.set(name, v as Module); },
      });
    }
    const fields = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      const value = fields[key];
      const kind = slotKind(value);
      if (kind) {
        slots.push({
          name: key, kind, alias: registered.has(value), persistent: true,
          get: () => fields[key], set: (v) => { fields[key] = v; },
        });
      } else if (Array.isArray(value)) {
        // Arrays of modules (or parameters) are containers: 'blocks.0', 'blocks.1', …
        const list = value as unknown[];
        for (let i = 0; i < list.length; i++) {
          const itemKind = slotKind(list[i]);
          if (!itemKind) continue;
          slots.push({
            name: `${key}.${i}`, kind: itemKind, alias: registered.has(list[i]), persistent: true,
            get: () => list[i], set: (v) => { list[i] = v; },
          });
        }
      }
    }
    return slots;
  }

  /** Direct children with their names (each module once). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    for (const slot of this.#slots()) {
      const m = slot.get();
      if (slot.kind !== 'module' || slot.alias || !(m instanceof Module) || seen.has(m)) continue;
      seen.add(m);
      out.push([slot.name, m]);
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, pre-order, each once; the root's name is ''. */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, prefix: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [name, child] of m.namedChildren()) visit(child, prefix ? `${prefix}.${name}` : name);
    };
    visit(this, '');
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Every parameter once, named by its first path. A parameter shared by two
   * modules (weight tying) is listed once, so optimizers update it once.
   */
  namedParameters(): [string, Parameter][] {
    return this.#namedTensors('parameter') as [string, Parameter][];
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(): [string, Tensor][] {
    return this.#namedTensors('buffer');
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  #namedTensors(kind: 'parameter' | 'buffer'): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const slot of m.#slots()) {
        const t = slot.get();
        if (slot.kind !== kind || slot.alias || !(t instanceof Tensor) || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${slot.name}` : slot.name, t]);
      }
    }
    return out;
  }

  /** Number of scalar parameters (shared parameters counted once). */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!options.trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  // ------------------------------------------------------------ modes and utilities

  /** Set training mode on this module and every descendant (dropout is active in training). */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Call `fn` on every descendant (children first) and then on this module, as PyTorch's `apply`. */
  apply(fn: (module: Module) => void): this {
    const seen = new Set<Module>();
    const visit = (m: Module): void => {
      if (seen.has(m)) return;
      seen.add(m);
      for (const child of m.children()) visit(child);
      fn(m);
    };
    visit(this);
    return this;
  }

  /** Drop every parameter's gradient (PyTorch's default `set_to_none`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Turn gradients on or off for every parameter (freezing a module). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Convert every float parameter and buffer to `dtype`, keeping tied
   * parameters tied. Parameters are replaced by new objects: build the
   * optimizer after converting.
   */
  to(dtype: FloatDType): this {
    const memo = new Map<Tensor, Tensor>();
    const convert = (t: Tensor): Tensor => {
      if (!isFloat(t.dtype) || t.dtype === dtype) return t;
      let converted = memo.get(t);
      if (!converted) {
        converted = t instanceof Parameter ? new Parameter(castData(t, dtype), t.requiresGrad) : castData(t, dtype);
        memo.set(t, converted);
      }
      return converted;
    };
    for (const m of this.modules()) {
      for (const slot of m.#slots()) {
        const value = slot.get();
        if (slot.kind !== 'module' && value instanceof Tensor) slot.set(convert(value));
      }
    }
    return this;
  }

  float(): this {
    return this.to('float32');
  }

  double(): this {
    return this.to('float64');
  }

  // ------------------------------------------------------------ state dicts

  /** Entries of the state dict with the module's own tensors (not detached). Shared modules appear under every path, as in PyTorch. */
  #stateEntries(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const visit = (m: Module, prefix: string, ancestors: Set<Module>): void => {
      const children: [string, Module][] = [];
      for (const slot of m.#slots()) {
        const value = slot.get();
        if (slot.alias) continue;
        if (slot.kind === 'module') {
          if (value instanceof Module && !ancestors.has(value)) children.push([slot.name, value]);
        } else if (value instanceof Tensor && slot.persistent) {
          out.push([prefix + slot.name, value]);
        }
      }
      for (const [name, child] of children) visit(child, `${prefix}${name}.`, new Set([...ancestors, child]));
    };
    visit(this, '', new Set([this]));
    return out;
  }

  /**
   * name → tensor for every parameter and persistent buffer. Values share storage
   * with the module (detached). A tied parameter appears under each of its
   * names, as in PyTorch, so loading such a dict into an untied model works too
   * (a writer that wants it saved once can keep the names `namedParameters()` lists:
   * `loadStateDict` accepts a tied tensor under any one of its names).
   */
  stateDict(): StateDict {
    const dict: StateDict = {};
    for (const [name, t] of this.#stateEntries()) dict[name] = t.detach();
    return dict;
  }

  /**
   * Copy values into the module's parameters and buffers (in place: tied
   * parameters stay tied and optimizers keep their references; dtypes are
   * converted). Every problem is reported at once: missing and unexpected keys
   * (ignored with `strict: false`) and shape mismatches (always an error).
   */
  loadStateDict(dict: StateDict | ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const source = toMap(dict);
    const targets = this.#stateEntries();
    const expected = new Set(targets.map(([name]) => name));
    const missingKeys: string[] = [], mismatches: string[] = [];
    // A tied tensor is loaded through any one of its names, so a checkpoint that saved it once still loads strictly.
    const reachable = new Set(targets.filter(([name]) => source.has(name)).map(([, t]) => t));
    for (const [name, target] of targets) {
      const value = source.get(name);
      if (value === undefined) {
        if (!reachable.has(target)) missingKeys.push(name);
        continue;
      }
      if (!(value instanceof Tensor)) { mismatches.push(`${name}: expected a Tensor, got ${typeof value}`); continue; }
      if (value.ndim !== target.ndim || value.shape.some((d, i) => d !== target.shape[i])) {
        mismatches.push(`${name}: checkpoint has ${formatShape(value.shape)}, model has ${formatShape(target.shape)}`);
      }
    }
    const unexpectedKeys = [...source.keys()].filter((k) => !expected.has(k));
    const problems: string[] = [];
    if (mismatches.length) problems.push(`shape mismatches:\n    ${mismatches.join('\n    ')}`);
    if (strict && missingKeys.length) {
      const shapes = new Map(targets.map(([n, t]) => [n, t.shape]));
      problems.push(`missing keys: ${missingKeys.map((k) => `${k} ${formatShape(shapes.get(k) ?? [])}`).join(', ')}`);
    }
    if (strict && unexpectedKeys.length) {
      problems.push(`unexpected keys: ${unexpectedKeys.map((k) => { const v = source.get(k); return v instanceof Tensor ? `${k} ${formatShape(v.shape)}` : k; }).join(', ')}`);
    }
    if (problems.length) {
      throw new StateDictError(`loadStateDict(${this.constructor.name}): nothing was loaded because of ${problems.length === 1 ? 'this problem' : 'these problems'}:\n  ${problems.join('\n  ')}`);
    }
    for (const [name, target] of targets) {
      const value = source.get(name);
      // TypedArray.set converts between element types (float64 checkpoint → float32 model).
      if (value && value !== target && value.data !== target.data) target.data.set(value.data);
    }
    return { missingKeys, unexpectedKeys };
  }

  // ------------------------------------------------------------ functional use

  /**
   * Run `fn` with some parameters/buffers (by state-dict name) temporarily
   * replaced by other tensors — PyTorch's `torch.func.functional_call`. Useful
   * for gradcheck, or to differentiate with respect to a copy of the weights.
   * Tied parameters are replaced everywhere they appear.
   */
  static functionalCall<T>(module: Module, tensors: StateDict | ReadonlyMap<string, Tensor>, fn: () => T): T {
    const replacements = toMap(tensors);
    const byName = new Map<string, Tensor>(module.#stateEntries());
    for (const [name, t] of [...module.namedParameters(), ...module.namedBuffers()]) byName.set(name, t);
    const swap = new Map<unknown, Tensor>();
    for (const [name, replacement] of replacements) {
      const original = byName.get(name);
      if (!original) throw new RangeError(`functionalCall(${module.constructor.name}): no parameter or buffer named '${name}'`);
      if (replacement.ndim !== original.ndim || replacement.shape.some((d, i) => d !== original.shape[i])) {
        throw new RangeError(`functionalCall(${module.constructor.name}): '${name}' has shape ${formatShape(original.shape)}, replacement has ${formatShape(replacement.shape)}`);
      }
      swap.set(original, replacement);
    }
    const restore: [Slot, unknown][] = [];
    for (const m of module.modules()) {
      for (const slot of m.#slots()) {
        const value = slot.get();
        const replacement = swap.get(value);
        if (slot.kind !== 'module' && replacement) {
          restore.push([slot, value]);
          slot.set(replacement);
        }
      }
    }
    try {
      return fn();
    } finally {
      for (const [slot, value] of restore) slot.set(value);
    }
  }

  // ------------------------------------------------------------ display

  /** Extra text inside the parentheses of `toString()` (e.g. sizes). */
  protected extraRepr(): string {
    return '';
  }

  /** PyTorch-style tree: `Sequential(\n  (0): Linear(inFeatures=4, …)\n)`. */
  toString(): string {
    const children = this.namedChildren();
    const extra = this.extraRepr();
    if (children.length === 0) return `${this.constructor.name}(${extra})`;
    const lines = children.map(([name, child]) => `  (${name}): ${child.toString().split('\n').join('\n  ')}`);
    if (extra) lines.unshift(`  ${extra}`);
    return `${this.constructor.name}(\n${lines.join('\n')}\n)`;
  }
}

function toMap(tensors: StateDict | ReadonlyMap<string, Tensor>): ReadonlyMap<string, Tensor> {
  return tensors instanceof Map ? (tensors as ReadonlyMap<string, Tensor>) : new Map(Object.entries(tensors as StateDict));
}

function slotKind(value: unknown): SlotKind | null {
  if (value instanceof Parameter) return 'parameter';
  if (value instanceof Module) return 'module';
  return null;
}

/** Run `fn` with named parameters/buffers of `module` replaced (see `Module.functionalCall`). */
export function functionalCall<T>(module: Module, tensors: StateDict | ReadonlyMap<string, Tensor>, fn: () => T): T {
  return Module.functionalCall(module, tensors, fn);
}
