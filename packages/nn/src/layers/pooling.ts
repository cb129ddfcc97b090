import {
  type AvgPool2dOptions,
  avgPool2d,
  type MaxPool2dOptions,
  maxPool2d,
  type Tensor,
} from '@tessera/core';
import { Module } from '../module.js';

/** Max over kernel windows of NCHW input (stride defaults to the kernel size). */
export class MaxPool2d extends Module {
  readonly options: MaxPool2dOptions;
  constructor(kernelSize: number | [number, number], options: Omit<MaxPool2dOptions, 'kernelSize'> = {}) {
    super();
    this.options = { ...options, kernelSize };
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options);
  }
}

/** Mean over kernel windows of NCHW input (stride defaults to the kernel size). */
export class AvgPool2d extends Module {
  readonly options: AvgPool2dOptions;
  constructor(kernelSize: number | [number, number], options: Omit<AvgPool2dOptions, 'kernelSize'> = {}) {
    super();
    this.options = { ...options, kernelSize };
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.options);
  }
}
