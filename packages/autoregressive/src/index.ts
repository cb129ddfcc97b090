export { bernoulliLogProb, sampleByPasses } from './bernoulli.js';
export { FVSBN } from './fvsbn.js';
export { MADE, type MADEOptions, type MaskSet, madeMaskSets } from './made.js';
export { NADE, type NADEOptions } from './nade.js';
export { nadeLogits } from './nade-op.js';
