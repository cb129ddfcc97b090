export { type BackwardOptions, backward } from './backward.js';
export {
  type CheckGradOptions,
  checkGrad,
  GradCheckError,
  type GradCheckReport,
  type GradMismatch,
} from './check-grad.js';
export { checkpoint } from './checkpoint.js';
export { type CustomOpDef, defineCustomOp, registerGradient } from './custom-op.js';
export { grad, valueAndGrad } from './functional.js';
export { detach, isGradEnabled, noGrad, requiresGrad, zeroGrad } from './grad-mode.js';
export { autogradEngine, enableAutograd } from './gradient-engine.js';
export { autogradMiddleware } from './middleware.js';
export { type GradArgs, type GradRule, rule } from './rule.js';
export { GRAD_RULES } from './rules/index.js';
