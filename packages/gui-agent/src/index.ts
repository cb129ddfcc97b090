export {
  ACTION_TYPES,
  type Action,
  type ActionType,
  formatAction,
  formatStep,
  MAX_HOTKEY_KEYS,
  type Point,
  parseAction,
  parseStep,
  type ScrollDirection,
  type Step,
} from './actions.js';
export {
  type CoordinateMap,
  coordinateMap,
  type Size,
  type SmartResizeOptions,
  smartResize,
} from './resize.js';
