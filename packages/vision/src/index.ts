export { UpsampleNearest2d, upsampleNearest2d } from './upsample.js';
export { type Quantized, VectorQuantizer, type VectorQuantizerOptions } from './vector-quantizer.js';
export { VQVAE, type VQVAEConfig, type VQVAEOutput } from './vq-vae.js';
