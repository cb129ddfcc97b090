import { add, type Context, fail, fmtShape, type Tensor, tidy, view, zeros } from '@tessera/core';
import type { Edge, OpNode } from './node.js';
import { edgeOf, releaseNode } from './node.js';
import { withGradMode } from './state.js';

export interface PassOptions {
  /** Keep saved tensors for another backward through the same graph. */
  retainGraph: boolean;
  /** Record the backward computation itself, for higher-order gradients. */
  createGraph: boolean;
}

/** Every leaf that requires grad, or exactly these edges (leaf or non-leaf). */
export type Targets = 'leaves' | readonly Edge[];

/** Recorded nodes reachable from the roots, producers before consumers (iterative DFS). */
function postOrder(roots: readonly Edge[]): OpNode[] {
  const order: OpNode[] = [];
  const seen = new Set<OpNode>();
  const stack: { node: OpNode; next: number }[] = [];
  const visit = (e: Edge | null) => {
    if (e?.kind === 'output' && !seen.has(e.node)) {
      seen.add(e.node);
      stack.push({ node: e.node, next: 0 });
    }
  };
  for (const r of roots) {
    visit(r);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) visit(top.node.inputs[top.next++]);
      else order.push(stack.pop()!.node);
    }
  }
  return order;
}

function describeNode(node: OpNode): string {
  return node.inputMeta.map((m) => `${fmtShape(m.shape)} ${m.dtype}`).join(', ');
}

/**
 * The reverse pass: visits each node once, consumers before producers, calling its rule
 * with the summed gradients of its outputs. Every tensor made on the way is disposed except
 * the returned gradients (one per target that any gradient reached).
 */
export function reversePass(
  ctx: Context,
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  targets: Targets,
  opts: PassOptions,
): Map<Edge, Tensor> {
  const rootEdges = roots.map((r) => {
    const e = edgeOf(r);
    if (!e) fail('backward', `tensor of shape ${fmtShape(r.shape)} (${r.dtype}) does not require grad`);
    return e;
  });
  const targetSet = targets === 'leaves' ? null : new Set(targets);
  const isTarget = (e: Edge): boolean =>
    targetSet ? targetSet.has(e) : e.kind === 'leaf' && e.tensor.requiresGrad;

  const order = postOrder(rootEdges);
  const needed = new Set<OpNode>();
  for (const node of order) {
    const reaches = node.inputs.some(
      (e) => e !== null && (isTarget(e) || (e.kind === 'output' && needed.has(e.node))),
    );
    if (!reaches) continue;
    needed.add(node);
    if (node.released && node.freedBy === 'dispose') {
      fail(
        'backward',
        `the graph through '${node.op}' (inputs ${describeNode(node)}) was freed when every tensor ` +
          'that could reach it had been disposed',
      );
    }
    if (node.released) {
      fail(
        'backward',
        `the graph through '${node.op}' (inputs ${describeNode(node)}) was freed by an earlier backward; ` +
          'pass { retainGraph: true } to the first one to backward twice',
      );
    }
    if (!node.rule) {
      fail(
        'backward',
        `op '${node.op}' (inputs ${describeNode(node)}) has no gradient rule; give it one with registerGradient or defineCustomOp`,
      );
    }
  }

  const result = tidy(
    () =>
      withGradMode(ctx, opts.createGraph, () => {
        const owned = new Set<Tensor>();
        const pending = new Map<OpNode, (Tensor | undefined)[]>();
        const found = new Map<Edge, Tensor>();
        /**
         * Takes ownership of a gradient; a tensor held elsewhere is stored as a second handle
         * (a view, so that the enclosing tidy frees it even if a rule throws).
         */
        const own = (t: Tensor, avoid: ReadonlySet<Tensor>): Tensor => {
          const mine = owned.has(t) || avoid.has(t) ? view(t, t.shape) : t;
          owned.add(mine);
          return mine;
        };
        const sum = (prev: Tensor | undefined, g: Tensor, avoid: ReadonlySet<Tensor>): Tensor => {
          if (!prev) return own(g, avoid);
          owned.delete(prev);
          const s = add(prev, g);
          prev.dispose();
          owned.add(s);
          return s;
        };
        const deliver = (e: Edge, g: Tensor, avoid: ReadonlySet<Tensor>) => {
          if (isTarget(e)) found.set(e, sum(found.get(e), g, avoid));
          if (e.kind === 'output' && needed.has(e.node)) {
            let slots = pending.get(e.node);
            if (!slots) {
              slots = [];
              pending.set(e.node, slots);
            }
            slots[e.index] = sum(slots[e.index], g, avoid);
          }
        };

        rootEdges.forEach((e, i) => {
          deliver(e, seeds[i], new Set([seeds[i]]));
        });

        for (let k = order.length - 1; k >= 0; k--) {
          const node = order[k];
          const slots = pending.get(node);
          if (!needed.has(node) || !slots) continue;
          pending.delete(node);
          const grads = node.outputMeta.map(
            (m, i) => slots[i] ?? zeros(m.shape, { dtype: m.dtype, device: m.device, context: ctx }),
          );
          for (const g of grads) owned.delete(g);
          const saved = new Set<Tensor>([
            ...node.saved.inputs.filter((t) => t !== undefined),
            ...node.saved.outputs.filter((t) => t !== undefined),
          ]);
          const needs = node.inputs.map((e) => e !== null);
          const inGrads = tidy(
            () =>
              node.rule!.vjp({
                g: grads[0],
                grads,
                attrs: node.attrs,
                x: node.saved.inputs as Tensor[],
                y: node.saved.outputs as Tensor[],
                inputs: node.inputMeta,
                needs,
              }),
            ctx,
          );
          node.inputs.forEach((e, i) => {
            const g = inGrads[i];
            if (!e || !g) return;
            const want = node.inputMeta[i];
            if (g.shape.length !== want.shape.length || g.shape.some((d, j) => d !== want.shape[j])) {
              fail(
                'backward',
                `the rule for '${node.op}' gave input ${i} a gradient of shape ${fmtShape(g.shape)}, expected ${fmtShape(want.shape)}`,
              );
            }
            if (g.dtype !== want.dtype) {
              fail(
                'backward',
                `the rule for '${node.op}' gave input ${i} (${fmtShape(want.shape)}) a ${g.dtype} gradient, expected ${want.dtype}`,
              );
            }
            deliver(e, g, saved);
          });
          for (const t of [...inGrads, ...grads]) if (t && !owned.has(t) && !saved.has(t)) t.dispose();
        }
        for (const slots of pending.values()) for (const t of slots) t?.dispose();
        return found;
      }),
    ctx,
  );
  if (!opts.retainGraph) for (const node of order) releaseNode(node);
  return result;
}
