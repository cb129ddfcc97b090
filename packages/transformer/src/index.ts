/** The output z-loss lives in @tessera/nn (the MoE router's z-loss is the same formula); re-exported here. */
export { zLoss } from '@tessera/nn';
export { Decoder, DecoderBlock, type DecoderCall, type DecoderConfig, type FeedForward } from './decoder.js';
export {
  allowedTokens,
  type GenerateOptions,
  type Guidance,
  generate,
  generateAsync,
  type SampleOptions,
  sampleToken,
} from './generate.js';
