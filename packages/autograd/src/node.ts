import { type DisposeListener, type DType, isFloat, type Tensor } from '@tessera/core';
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
  /** Set once the saved tensors were dropped; backward through the node is then an error. */
  released: boolean;
  /** Why they were dropped: by a backward (or a functional tape), or because nothing reached the node. */
  freedBy?: 'backward' | 'dispose';
  /**
   * What can still reach the node: live handles carrying one of its outputs (`holders`; its
   * own saved outputs do not count) plus the edges of other nodes recorded on its outputs.
   * At zero the node is dead: its saved tensors are freed and its inputs lose a reference.
   */
  refs: number;
  readonly holders: WeakSet<Tensor>;
  dead: boolean;
}

/**
 * Output `index` of a recorded op: what a non-leaf tensor's `gradNode` holds. Core calls
 * `release` when a handle carrying it is disposed (see core's DisposeListener).
 */
export class OutputRef implements DisposeListener {
  readonly kind = 'output';
  constructor(
    readonly node: OpNode,
    readonly index: number,
  ) {}

  release(t: Tensor): void {
    if (this.node.holders.delete(t)) unref(this.node);
  }
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

/** A new node with no references yet; each input edge on a recorded op counts toward its producer. */
export function newOpNode(
  fields: Pick<OpNode, 'op' | 'rule' | 'attrs' | 'inputs' | 'inputMeta' | 'outputMeta' | 'saved'>,
): OpNode {
  for (const e of fields.inputs) if (e?.kind === 'output') e.node.refs++;
  return { kind: 'op', ...fields, released: false, refs: 0, holders: new WeakSet(), dead: false };
}

/**
 * Gives handle t the history `ref` and counts t toward the node (unless `counted` is false:
 * a node's aliases of its own outputs must not keep it alive). Any history t had is let go.
 */
export function setHistory(t: Tensor, ref: OutputRef, counted = true): void {
  const prev = t.gradNode;
  t.gradNode = ref;
  if (counted && !t.isDisposed && !ref.node.holders.has(t)) {
    ref.node.holders.add(t);
    ref.node.refs++;
  }
  if (prev instanceof OutputRef && prev !== ref) prev.release(t);
}

/**
 * Makes `node` the history of each floating output: the node lives while a handle on one of its
 * outputs, or a node recorded on them, does.
 */
export function attachOutputs(node: OpNode, outs: readonly Tensor[]): void {
  outs.forEach((o, index) => {
    if (!isFloat(o.dtype)) return;
    setHistory(o, new OutputRef(node, index));
    o.requiresGrad = true;
  });
}

/** Removes t's history (it becomes a plain tensor), letting go of its node. */
export function clearHistory(t: Tensor): void {
  const prev = t.gradNode;
  t.gradNode = undefined;
  t.requiresGrad = false;
  if (prev instanceof OutputRef) prev.release(t);
}

/** A second handle that carries t's history (a saved tensor must still differentiate as t). */
export function shareHistory<T extends Tensor>(t: T): T {
  const a = t.alias() as T;
  if (t.gradNode instanceof OutputRef) setHistory(a, t.gradNode);
  else a.gradNode = t.gradNode;
  a.requiresGrad = t.requiresGrad;
  return a;
}

/**
 * Nodes whose reference count is to drop by one, drained by the outermost unref: freeing a
 * node disposes its saved aliases, which releases their producers, and so on, without
 * recursion however long the chain.
 */
const unrefQueue: OpNode[] = [];
let draining = false;

function unref(node: OpNode): void {
  unrefQueue.push(node);
  if (draining) return;
  draining = true;
  try {
    for (let n = unrefQueue.pop(); n !== undefined; n = unrefQueue.pop()) {
      if (n.dead || --n.refs > 0) continue;
      n.dead = true;
      releaseNode(n, 'dispose');
      // The edges stay (an error can still name the ops behind a freed node); only the counts go.
      for (const e of n.inputs) if (e?.kind === 'output') unrefQueue.push(e.node);
    }
  } finally {
    draining = false;
  }
}

/** Drops a node's saved tensors; backward through it afterwards is an error. */
export function releaseNode(node: OpNode, why: 'backward' | 'dispose' = 'backward'): void {
  if (node.released) return;
  node.released = true;
  node.freedBy = why;
  for (const t of node.saved.inputs) t?.dispose();
  for (const t of node.saved.outputs) t?.dispose();
  node.saved.inputs.length = 0;
  node.saved.outputs.length = 0;
}
