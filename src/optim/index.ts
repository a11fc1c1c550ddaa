/** Optimizers, learning-rate schedules and gradient clipping (seed 002; PyTorch's torch.optim). */
export {
  Optimizer,
  type BaseOptimizerOptions,
  type HyperparameterValue,
  type OptimizerStateDict,
  type OptimizerStateDictInput,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsArgument,
  type ParamStateRecord,
  type ParamStateValue,
  type StateSchema,
} from './optimizer.js';
export * from './sgd.js';
export * from './adagrad.js';
export * from './rmsprop.js';
export * from './adam.js';
export * from './schedules.js';
export * from './clip.js';
