export type { Backend } from './backend.js';
export {
  type AutocastScope,
  type BackwardOptions,
  Context,
  type DeviceMemory,
  formatBytes,
  type GradientEngine,
  type MemoryInfo,
  type Middleware,
  type OpCall,
} from './context.js';
export { CpuBackend } from './cpu/backend.js';
export type { CpuOptions } from './cpu/options.js';
export { forEachRow } from './cpu/strided.js';
export type { CpuInput, CpuKernel, CpuKernelEnv, CpuOutput, NumArray } from './cpu/types.js';
export {
  type ContextOptions,
  createContext,
  defaultContext,
  dispose,
  getDefaultDevice,
  getRngState,
  keep,
  manualSeed,
  memory,
  registerBackend,
  resetPeakMemory,
  setAllocationLimit,
  setDebug,
  setDefaultDevice,
  setRngState,
  tidy,
  useMiddleware,
} from './default-context.js';
export { dispatch, type Placement } from './dispatch.js';
export {
  bf16BitsToF32,
  bytesPerElement,
  type DataFor,
  DTYPE_ALIASES,
  DTYPES,
  type DType,
  type DTypeAlias,
  type DTypeName,
  type DTypeOf,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  isDTypeName,
  isFloat,
  isHalf,
  promoteTypes,
  resolveDType,
  type TypedArray,
} from './dtype.js';
export { fail, fmtShape, TesseraError } from './errors.js';
export { formatTensor, formatValues, PRINT, type TensorHeader } from './format.js';
export { type AxisAttrs, defineOp, type OpDef, type OutputSpec, type ViewSpec } from './op.js';
export {
  CORE_OP_NAMES,
  type CoreOpName,
  type CoreOpTable,
  isCoreOpName,
  opTableMap,
} from './op-names.js';
export * from './ops/index.js';
export { axisArg, checkOptions, type DimOption, isOptionsObject } from './options.js';
export { philox4x32, type RngState } from './random.js';
export type { ReclaimReport } from './reclaim.js';
export { Rng } from './rng.js';
export {
  broadcastShapes,
  contiguousStrides,
  isContiguous,
  normalizeAxes,
  normalizeAxis,
  numel,
  type Shape,
  type ShapeArgs,
  shapeFromArgs,
} from './shape.js';
export { type DisposeListener, type NestedArray, type Scalar, Tensor, type TensorLike } from './tensor.js';
export { version } from './version.js';
