/**
 * The optimizer base: parameter groups, per-parameter state, zeroGrad, and a
 * state dict for exact resume — the shape of torch.optim.Optimizer.
 *
 * A subclass supplies three things: its defaults (every hyperparameter, so a
 * group's options are always complete), how to make a parameter's fresh state,
 * and the in-place update of one parameter from its gradient. The base class
 * walks the groups, skips parameters whose `.grad` is null (as PyTorch does, so
 * their state — step counts included — does not advance), and checks shapes.
 *
 * State dict format (JSON-shaped, with typed arrays for the buffers):
 *
 *   {
 *     optimizer: 'AdamW',                        // the class that wrote it
 *     state: {                                   // keyed by parameter index
 *       '0': { step: 3, expAvg: Float32Array, expAvgSq: Float32Array, maxExpAvgSq: null },
 *       …                                        // parameters never stepped have no entry
 *     },
 *     paramGroups: [ { lr: 0.001, betas: [0.9, 0.999], …, params: [0, 1, 2] }, … ],
 *   }
 *
 * Parameter indices count through the groups in order (group 0's params first),
 * as in PyTorch. Every buffer has the parameter's length (flattened, row-major)
 * and dtype; scalars are plain numbers; a buffer an option turned off is null.
 * Everything is copied on the way out and on the way in, so a saved dict is a
 * snapshot. Loading also restores every group's hyperparameters (lr included),
 * so a resumed run continues with bit-identical updates.
 */
import type { FloatArray } from '../backend/backend.js';
import { isFloat } from '../tensor/dtype.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** What a parameter group may hold besides its params. */
export type HyperparameterValue = number | boolean | readonly number[];

/** Every optimizer has a learning rate; schedules set it per group. */
export interface BaseOptimizerOptions {
  lr: number;
}

/** A group as passed in: its params plus any options that override the defaults. */
export type ParamGroupInput<Options> = Partial<Options> & { params: Iterable<Tensor> };

/** A group as stored: params plus every option (defaults filled in). Mutate `lr` freely. */
export type ParamGroup<Options> = Options & { params: Tensor[] };

/** Either a flat list of parameters (one group) or a list of groups. */
export type ParamsArgument<Options> = Iterable<Tensor> | Iterable<ParamGroupInput<Options>>;

/** A value in one parameter's state: a step count, a buffer, or null for a buffer not in use. */
export type ParamStateValue = number | FloatArray | null;

/** One parameter's state (each optimizer narrows it, e.g. { step, expAvg, expAvgSq, maxExpAvgSq }). */
export type ParamStateRecord = { [name: string]: ParamStateValue };

/** How each state entry is typed, for validating loaded state. */
export type StateSchema<State extends ParamStateRecord> = { readonly [K in keyof State]: 'number' | 'array' | 'array?' };

export interface OptimizerStateDict {
  /** Class name of the optimizer that wrote the dict (loadStateDict refuses another's). */
  optimizer: string;
  /** Per-parameter state keyed by the parameter's index (as a decimal string). */
  state: Record<string, Record<string, ParamStateValue>>;
  /** Each group's hyperparameters and the indices of its parameters. */
  paramGroups: (Record<string, HyperparameterValue> & { params: number[] })[];
}

/** What loadStateDict accepts: a state dict whose buffers may also be plain number arrays (after JSON). */
export interface OptimizerStateDictInput {
  optimizer: string;
  state: Record<string, Record<string, number | ArrayLike<number> | null>>;
  paramGroups: readonly (Record<string, HyperparameterValue> & { params: readonly number[] })[];
}

export abstract class Optimizer<Options extends BaseOptimizerOptions, State extends ParamStateRecord> {
  /** The options a group gets for anything it does not set. */
  readonly defaults: Readonly<Options>;
  readonly paramGroups: ParamGroup<Options>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  protected readonly state = new Map<Tensor, State>();
  private readonly stateSchema: StateSchema<State>;
  /** Every option this optimizer knows, with PyTorch's default: the reference for names and types. */
  private readonly builtinDefaults: Readonly<Options>;

  /**
   * @param builtinDefaults every option with its PyTorch default
   * @param options the caller's overrides of those defaults (for every group)
   */
  protected constructor(
    params: ParamsArgument<Options>, builtinDefaults: Options, options: Partial<Options>, stateSchema: StateSchema<State>,
  ) {
    this.builtinDefaults = Object.freeze({ ...builtinDefaults });
    this.stateSchema = stateSchema;
    const defaults = { ...builtinDefaults } as Record<string, unknown>;
    for (const [key, value] of Object.entries(options)) {
      if (value !== undefined) defaults[key] = copyValue(value);
    }
    this.defaults = Object.freeze(defaults as Options);
    this.validateOptions(defaults, 'the options');
    const items: unknown[] = [...(params as Iterable<unknown>)];
    if (items.length === 0) throw new Error(`${this.name}: got an empty parameter list`);
    if (items.every((item) => item instanceof Tensor)) {
      this.addParamGroup({ params: items as Tensor[] } as unknown as ParamGroupInput<Options>);
    } else if (items.every((item) => !(item instanceof Tensor) && typeof item === 'object' && item !== null && 'params' in item)) {
      for (const group of items as ParamGroupInput<Options>[]) this.addParamGroup(group);
    } else {
      throw new TypeError(`${this.name}: params must be a list of tensors or a list of { params, …options } groups, not a mix`);
    }
  }

  /** The optimizer's class name, used in error messages and the state dict. */
  get name(): string {
    return this.constructor.name;
  }

  /** Add a group (e.g. layers unfrozen later), filling missing options from the defaults. */
  addParamGroup(input: ParamGroupInput<Options>): void {
    const groupIndex = this.paramGroups.length;
    const label = `parameter group ${groupIndex}`;
    const params = [...input.params];
    const seen = new Set<Tensor>();
    for (const [i, p] of params.entries()) {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.name}: ${label}, params[${i}] is not a Tensor`);
      if (!isFloat(p.dtype)) throw new TypeError(`${this.name}: ${label}, params[${i}] has dtype ${p.dtype}; only float tensors can be optimized`);
      if (!p.isLeaf) throw new Error(`${this.name}: ${label}, params[${i}] is not a leaf tensor (it was computed by '${p.node?.opName}'); optimize the leaf it came from`);
      if (seen.has(p)) throw new Error(`${this.name}: ${label} lists params[${i}] twice`);
      seen.add(p);
      for (const [g, other] of this.paramGroups.entries()) {
        if (other.params.includes(p)) throw new Error(`${this.name}: ${label}, params[${i}] is already in parameter group ${g}`);
      }
    }
    const group: Record<string, unknown> = {};
    // Arrays (betas) are copied so that no two groups share one a user might mutate.
    for (const [key, value] of Object.entries(this.defaults)) group[key] = copyValue(value);
    for (const [key, value] of Object.entries(input)) {
      if (key === 'params' || value === undefined) continue;
      group[key] = copyValue(value);
    }
    group.params = params;
    this.validateOptions(group, label);
    this.paramGroups.push(group as unknown as ParamGroup<Options>);
  }

  /** Clear gradients: set `.grad` to null (PyTorch's default) or fill it with zeros. */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (!p.grad) continue;
        if (setToNone) p.grad = null;
        else p.grad.data.fill(0);
      }
    }
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    for (const [g, group] of this.paramGroups.entries()) {
      // lr is the one option schedules change between steps: check it every time.
      if (!(group.lr >= 0) || !Number.isFinite(group.lr)) {
        throw new RangeError(`${this.name}: parameter group ${g} has lr ${group.lr}; it must be a finite number ≥ 0`);
      }
      for (const [i, p] of group.params.entries()) {
        const grad = p.grad;
        if (grad === null) continue;
        if (!shapesEqual(grad.shape, p.shape) || grad.dtype !== p.dtype) {
          throw new Error(`${this.name}: parameter group ${g}, params[${i}] is ${p.dtype} ${formatShape(p.shape)} but its grad is ${grad.dtype} ${formatShape(grad.shape)}`);
        }
        let state = this.state.get(p);
        if (!state) {
          state = this.initState(p.data as FloatArray, group);
          this.state.set(p, state);
        }
        this.update(p.data as FloatArray, grad.data as FloatArray, state, group);
      }
    }
  }

  /** A fresh state for one parameter (before its first update). */
  protected abstract initState(param: FloatArray, group: Readonly<ParamGroup<Options>>): State;

  /** Update one parameter in place from its gradient; mutate `state` in place. */
  protected abstract update(param: FloatArray, grad: FloatArray, state: State, group: Readonly<ParamGroup<Options>>): void;

  /** Check a group's hyperparameters (ranges); the base checks names and types. */
  protected abstract checkHyperparameters(options: Readonly<Options>, label: string): void;

  private validateOptions(options: Record<string, unknown>, label: string): void {
    const known = Object.keys(this.builtinDefaults);
    for (const [key, value] of Object.entries(options)) {
      if (key === 'params') continue;
      if (!known.includes(key)) {
        throw new Error(`${this.name}: unknown option '${key}' in ${label} (known: ${known.join(', ')})`);
      }
      const expected = (this.builtinDefaults as Record<string, unknown>)[key];
      const sameKind = Array.isArray(expected)
        ? Array.isArray(value) && value.length === expected.length && value.every((v) => typeof v === 'number')
        : typeof value === typeof expected;
      if (!sameKind) {
        throw new TypeError(`${this.name}: option '${key}' in ${label} must be ${describeKind(expected)}, got ${JSON.stringify(value)}`);
      }
    }
    this.checkHyperparameters(options as unknown as Options, label);
  }

  /** Every parameter in group order: index i here is index i in the state dict. */
  private orderedParams(): Tensor[] {
    return this.paramGroups.flatMap((group) => group.params);
  }

  /** A snapshot of the optimizer (format in the file comment). */
  stateDict(): OptimizerStateDict {
    const params = this.orderedParams();
    const state: OptimizerStateDict['state'] = {};
    for (const [index, p] of params.entries()) {
      const entry = this.state.get(p);
      if (!entry) continue;
      const copy: Record<string, ParamStateValue> = {};
      for (const [key, value] of Object.entries(entry)) {
        copy[key] = value === null || typeof value === 'number' ? value : (value.slice() as FloatArray);
      }
      state[String(index)] = copy;
    }
    let offset = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const out: Record<string, HyperparameterValue> = {};
      for (const [key, value] of Object.entries(group)) {
        if (key === 'params') continue;
        out[key] = copyValue(value) as HyperparameterValue;
      }
      const indices = group.params.map((_, i) => offset + i);
      offset += group.params.length;
      return { ...out, params: indices };
    });
    return { optimizer: this.name, state, paramGroups };
  }

  /**
   * Restore a snapshot taken by stateDict() of an optimizer over parameters of the
   * same shapes in the same group layout. Everything is validated before anything
   * changes, so a bad dict leaves the optimizer as it was.
   */
  loadStateDict(dict: OptimizerStateDictInput): void {
    const where = `${this.name}.loadStateDict`;
    if (dict.optimizer !== this.name) {
      throw new Error(`${where}: the state dict was written by ${dict.optimizer}, not ${this.name}`);
    }
    if (!Array.isArray(dict.paramGroups) || dict.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${where}: the state dict has ${dict.paramGroups?.length} parameter groups, this optimizer ${this.paramGroups.length}`);
    }
    const newGroups: Record<string, unknown>[] = [];
    let expectedIndex = 0;
    for (const [g, saved] of dict.paramGroups.entries()) {
      const current = this.paramGroups[g];
      if (!Array.isArray(saved.params) || saved.params.length !== current.params.length) {
        throw new Error(`${where}: parameter group ${g} has ${saved.params?.length} params in the state dict, ${current.params.length} here`);
      }
      for (const index of saved.params) {
        if (index !== expectedIndex++) throw new Error(`${where}: parameter group ${g} lists param index ${index}; indices must count up from 0 through the groups`);
      }
      const merged: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(current)) if (key !== 'params') merged[key] = value;
      for (const [key, value] of Object.entries(saved)) {
        if (key !== 'params') merged[key] = copyValue(value);
      }
      this.validateOptions(merged, `parameter group ${g} of the state dict`);
      newGroups.push(merged);
    }
    const params = this.orderedParams();
    const newState = new Map<Tensor, State>();
    for (const [key, entry] of Object.entries(dict.state)) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index >= params.length || String(index) !== key) {
        throw new Error(`${where}: state key '${key}' is not a parameter index in [0, ${params.length})`);
      }
      newState.set(params[index], this.readParamState(entry, params[index], `${where}: state['${key}']`));
    }
    for (const [g, group] of this.paramGroups.entries()) Object.assign(group, newGroups[g]);
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
  }

  private readParamState(entry: Record<string, number | ArrayLike<number> | null>, param: Tensor, label: string): State {
    if (typeof entry !== 'object' || entry === null) throw new TypeError(`${label} must be an object`);
    const out: ParamStateRecord = {};
    for (const key of Object.keys(entry)) {
      if (!(key in this.stateSchema)) {
        throw new Error(`${label} has unknown entry '${key}' (known: ${Object.keys(this.stateSchema).join(', ')})`);
      }
    }
    for (const [key, kind] of Object.entries(this.stateSchema) as [string, 'number' | 'array' | 'array?'][]) {
      const value = entry[key];
      if (kind === 'number') {
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${label}.${key} must be a finite number, got ${String(value)}`);
        out[key] = value;
        continue;
      }
      if (value === null && kind === 'array?') {
        out[key] = null;
        continue;
      }
      if (value === null || value === undefined || typeof value !== 'object' || typeof value.length !== 'number') {
        throw new TypeError(`${label}.${key} must be ${kind === 'array?' ? 'null or ' : ''}an array of ${param.size} numbers, got ${value === undefined ? 'nothing' : String(value)}`);
      }
      if (value.length !== param.size) {
        throw new RangeError(`${label}.${key} has ${value.length} values but the parameter ${formatShape(param.shape)} has ${param.size}`);
      }
      // Copy into the parameter's dtype (a Float32Array buffer round-trips bit for bit).
      out[key] = param.dtype === 'float64' ? Float64Array.from(value) : Float32Array.from(value);
    }
    return out as State;
  }
}

function copyValue(value: unknown): unknown {
  return Array.isArray(value) ? [...(value as unknown[])] : value;
}

function describeKind(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length} numbers`;
  return `a ${typeof value}`;
}

/** Allocate a zeroed buffer of the parameter's dtype. */
export function zerosLikeArray(param: FloatArray): FloatArray {
  return param instanceof Float64Array ? new Float64Array(param.length) : new Float32Array(param.length);
}

/** Throw a RangeError naming the option unless lo ≤ value (< or ≤) hi. */
export function checkRange(optimizer: string, label: string, key: string, value: number, lo: number, hi = Infinity, hiInclusive = true): void {
  const ok = value >= lo && (hiInclusive ? value <= hi : value < hi) && !Number.isNaN(value);
  if (!ok) {
    const upper = hi === Infinity ? '' : hiInclusive ? ` and ≤ ${hi}` : ` and < ${hi}`;
    throw new RangeError(`${optimizer}: invalid ${key} ${value} in ${label} (must be ≥ ${lo}${upper})`);
  }
}
