import type { DType, Tensor } from '@tessera/core';
import type { GradRule } from './rule.js';

/** What backward needs to know about a tensor it no longer holds. */
export interface TensorMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: string;
}

/** A leaf that requires grad: gradients arriving here accumulate into `tensor.grad`. */
export interface LeafNode {
  readonly kind: 'leaf';
  readonly tensor: Tensor;
}

/** One recorded op call: its rule, attrs, where its inputs came from, and what it saved. */
export interface OpNode {
  readonly kind: 'op';
  readonly op: string;
  readonly rule: GradRule | undefined;
  readonly attrs: unknown;
  /** Per input: the edge its gradient flows into, or null when it needs none. */
  readonly inputs: readonly (Edge | null)[];
  readonly inputMeta: readonly TensorMeta[];
  readonly outputMeta: readonly TensorMeta[];
  /** Aliases of the tensors the rule asked to keep, by input/output index. */
  readonly saved: { inputs: (Tensor | undefined)[]; outputs: (Tensor | undefined)[] };
  /** Set once backward released the saved tensors. */
  released: boolean;
}

/** Output `index` of a recorded op: what a non-leaf tensor's `gradNode` holds. */
export interface OutputRef {
  readonly kind: 'output';
  readonly node: OpNode;
  readonly index: number;
}

export type Edge = LeafNode | OutputRef;

export function metaOf(t: Tensor): TensorMeta {
  return { shape: [...t.shape], dtype: t.dtype, device: t.device };
}

function isEdge(v: unknown): v is Edge {
  const k = (v as { kind?: unknown } | undefined)?.kind;
  return k === 'leaf' || k === 'output';
}

/**
 * Where gradients for `t` go: its producing op's output slot, or its leaf node (made on first
 * use, so that aliases saved for backward share it), or null when it takes no gradient.
 */
export function edgeOf(t: Tensor): Edge | null {
  const n = t.gradNode;
  if (isEdge(n) && n.kind === 'output') return n;
  if (!t.requiresGrad) return null;
  if (isEdge(n)) return n;
  const leaf: LeafNode = { kind: 'leaf', tensor: t };
  t.gradNode = leaf;
  return leaf;
}

/** A second handle that carries t's history (a saved tensor must still differentiate as t). */
export function shareHistory<T extends Tensor>(t: T): T {
  const a = t.alias() as T;
  a.gradNode = t.gradNode;
  a.requiresGrad = t.requiresGrad;
  return a;
}

/** Drops a node's saved tensors; backward through it afterwards is an error. */
export function releaseNode(node: OpNode): void {
  if (node.released) return;
  node.released = true;
  for (const t of node.saved.inputs) t?.dispose();
  for (const t of node.saved.outputs) t?.dispose();
  node.saved.inputs.length = 0;
  node.saved.outputs.length = 0;
}
