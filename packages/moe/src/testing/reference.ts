/**
 * A naive mixture-of-experts forward in plain numbers, token by token, written apart from the
 * package's kernels and routing: the tests' independent reference. Weight layouts follow the
 * modules: gate [E, dim] (a Linear weight), expert w1/w3 [E][dim][hidden], w2 [E][hidden][dim],
 * shared w1/w3 [H, dim] and w2 [dim, H] (Linear weights).
 */

export type Matrix = number[][];

export interface ReferenceWeights {
  gate: Matrix;
  bias: number[];
  w1: Matrix[];
  w2: Matrix[];
  w3: Matrix[];
  shared?: { w1: Matrix; w2: Matrix; w3: Matrix };
}

export interface ReferenceConfig {
  router: 'softmax' | 'sigmoid';
  topK: number;
  renormalize?: boolean;
  routedScaling?: number;
  /** Slots per expert, or null: dropless. */
  capacity?: number | null;
}

export interface ReferenceResult {
  out: Matrix;
  /** Chosen experts per token, best first. */
  chosen: number[][];
  /** Combine weights per token (before dropping). */
  weights: number[][];
  load: number[];
  dropped: number;
}

const silu = (v: number): number => v / (1 + Math.exp(-v));

function swiglu(x: number[], w1: Matrix, w2: Matrix, w3: Matrix): number[] {
  // w1, w3: [dim][hidden]; w2: [hidden][dim].
  const hidden = w1[0].length;
  const h: number[] = [];
  for (let j = 0; j < hidden; j++) {
    let a = 0;
    let b = 0;
    for (let c = 0; c < x.length; c++) {
      a += x[c] * w1[c][j];
      b += x[c] * w3[c][j];
    }
    h.push(silu(a) * b);
  }
  return x.map((_, c) => h.reduce((s, hv, j) => s + hv * w2[j][c], 0));
}

const transpose = (m: Matrix): Matrix => m[0].map((_, j) => m.map((row) => row[j]));

export function referenceMoE(x: Matrix, w: ReferenceWeights, config: ReferenceConfig): ReferenceResult {
  const experts = w.gate.length;
  const k = config.topK;
  const chosen: number[][] = [];
  const weights: number[][] = [];
  for (const xt of x) {
    const logits = w.gate.map((row) => row.reduce((s, g, c) => s + g * xt[c], 0));
    let scores: number[];
    if (config.router === 'softmax') {
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const z = e.reduce((s, v) => s + v, 0);
      scores = e.map((v) => v / z);
    } else {
      scores = logits.map((l) => 1 / (1 + Math.exp(-l)));
    }
    // Sort experts by biased score, ties to the lower index.
    const order = scores
      .map((s, e) => ({ key: s + w.bias[e], e }))
      .sort((a, b) => b.key - a.key || a.e - b.e)
      .slice(0, k)
      .map((o) => o.e);
    let wt = order.map((e) => scores[e]);
    const sum = wt.reduce((s, v) => s + v, 0);
    if (config.router === 'sigmoid') wt = wt.map((v) => (v / sum) * (config.routedScaling ?? 1));
    else if (config.renormalize) wt = wt.map((v) => v / sum);
    chosen.push(order);
    weights.push(wt);
  }
  // Capacity: choices taken first choices first, then in token order.
  const load = new Array<number>(experts).fill(0);
  const kept = x.map(() => new Array<boolean>(k).fill(true));
  let dropped = 0;
  for (let j = 0; j < k; j++) {
    for (let t = 0; t < x.length; t++) {
      const e = chosen[t][j];
      if (config.capacity != null && load[e] >= config.capacity) {
        kept[t][j] = false;
        dropped++;
      }
      load[e]++;
    }
  }
  const out = x.map((xt, t) => {
    const o = new Array<number>(xt.length).fill(0);
    chosen[t].forEach((e, j) => {
      if (!kept[t][j]) return;
      const y = swiglu(xt, w.w1[e], w.w2[e], w.w3[e]);
      for (let c = 0; c < o.length; c++) o[c] += weights[t][j] * y[c];
    });
    if (w.shared) {
      const s = swiglu(xt, transpose(w.shared.w1), transpose(w.shared.w2), transpose(w.shared.w3));
      for (let c = 0; c < o.length; c++) o[c] += s[c];
    }
    return o;
  });
  return { out, chosen, weights, load, dropped };
}
