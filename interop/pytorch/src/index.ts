export { type ExportedConfig, exportDecoder, importDecoder } from './decoder-io.js';
