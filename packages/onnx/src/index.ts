export type { ConvertCall, Converter } from './converters/index.js';
export { convertibleOps } from './converters/index.js';
export {
  type ExportOnnxOptions,
  exportOnnx,
  type OnnxInputSpec,
  SUPPORTED_OPSETS,
  traceOnnx,
} from './export.js';
export { type AttributeValue, GraphBuilder } from './graph-builder.js';
export {
  type AttributeProto,
  decodeModel,
  encodeModel,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto/model-proto.js';
