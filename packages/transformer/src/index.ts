export { Decoder, DecoderBlock, type DecoderCall, type DecoderConfig, type FeedForward } from './decoder.js';
export {
  allowedTokens,
  type GenerateOptions,
  generate,
  generateAsync,
  type SampleOptions,
  sampleToken,
} from './generate.js';
export { zLoss } from './z-loss.js';
