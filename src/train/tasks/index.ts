/** Training tasks: what each model family contributes to the one training loop. */
export { inEvalMode, lossOf, type Split, type TaskState, type TrainTask, type StepLocalCapability } from './task.js';
export { gptTask, type TaskData, type WindowModel } from './windows.js';
export { rnnTask, type RecurrentModel } from './bptt.js';
