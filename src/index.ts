export * from './tensor/random.js';
export type { LanguageModel } from './lm/model.js';
