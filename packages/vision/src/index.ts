export { bilinearMatrix, interpolatePositions, interpolatePositionsPacked } from './interpolate-positions.js';
export {
  type EncodedImages,
  NativeViT,
  type NativeViTConfig,
  type PackedImages,
  packImages,
  unpackImages,
  ViTBlock,
} from './native-vit.js';
export { type PatchGrid, patchGrid, patchify } from './patchify.js';
export { mergedGrid, pixelShuffle, pixelShufflePacked, pixelUnshuffle } from './pixel-shuffle.js';
export { PixelShuffleProjector, type PixelShuffleProjectorOptions } from './projector.js';
export { UpsampleNearest2d, upsampleNearest2d } from './upsample.js';
export { type Quantized, VectorQuantizer, type VectorQuantizerOptions } from './vector-quantizer.js';
export { type VisionTokens, VisionTower, type VisionTowerConfig } from './vision-tower.js';
export { VQVAE, type VQVAEConfig, type VQVAEOutput } from './vq-vae.js';
