import { bytesPerElement, type DType, fail } from '@tessera/core';
import { type BytesPerParameter, bytesPerParameter, type OptimizerKind, type Precision } from './state.js';

/** What the planner needs of a model: its parameters' sizes and dtypes (an nn `Module` has them). */
export interface HasParameters {
  parameters(): readonly { readonly size: number; readonly dtype: DType }[];
}

/** Model-state bytes of a real model, as training will allocate them. */
export interface ModelStateBytes {
  parameters: number;
  weights: number;
  gradients: number;
  optimizer: number;
  total: number;
}

/**
 * Bytes of weights, gradients and optimizer state for a model's actual parameters.
 * With `f32` precision the weights and gradients are counted at each parameter's own dtype (a
 * gradient has its parameter's dtype, as backward produces it); the optimizer state by the
 * optimizer's f32 slots. Mixed precision counts 16-bit weights and gradients plus f32 master weights.
 */
export function modelStateBytes(
  model: HasParameters,
  optimizer: OptimizerKind,
  precision: Precision = 'f32',
): ModelStateBytes {
  const per: BytesPerParameter = bytesPerParameter(optimizer, precision);
  let parameters = 0;
  let weights = 0;
  for (const p of model.parameters()) {
    if (!Number.isSafeInteger(p.size) || p.size < 0)
      fail('modelStateBytes', `a parameter has size ${p.size}`);
    parameters += p.size;
    weights += precision === 'f32' ? p.size * bytesPerElement(p.dtype) : p.size * per.weights;
  }
  const gradients = precision === 'f32' ? weights : parameters * per.gradients;
  const optimizerBytes = parameters * per.optimizer;
  return {
    parameters,
    weights,
    gradients,
    optimizer: optimizerBytes,
    total: weights + gradients + optimizerBytes,
  };
}
