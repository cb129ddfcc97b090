import { type Context, createContext } from '@tessera/core';
import { testDevice } from '@tessera/webgpu/testing';
import { describe, it } from 'vitest';
import { vitCases } from '../testing/vit-cases.js';

// Skipped without an adapter locally; under CI=true testDevice throws, so the suite fails there.
const gpu = await testDevice('@tessera/vision WebGPU tests');
const gpuIt = it.skipIf('skip' in gpu) as typeof it;
const ctxOf = (): Context => ('skip' in gpu ? createContext() : gpu.ctx);

describe('native-resolution ViT and pixel-shuffle projector (WebGPU)', () => {
  vitCases(ctxOf, 'webgpu', gpuIt);
});
