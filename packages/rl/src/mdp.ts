/**
 * A finite Markov decision process given by its model, the form model-based methods need:
 * p(s′|s,a) is `P[(s·nA + a)·nS + s′]` and the expected immediate reward r(s,a) = Σ_r p(r|s,a)·r is
 * `R[s·nA + a]`. Rewards enter the Bellman equation only through this expectation, so it is all we keep.
 */
export interface TabularMDP {
  readonly nS: number;
  readonly nA: number;
  readonly P: Float64Array;
  readonly R: Float64Array;
  /** Discount rate γ in [0, 1). */
  readonly gamma: number;
}

const ROW_SUM_TOLERANCE = 1e-9;

/** Throws unless `mdp` has consistent sizes, a valid γ, and rows of P that are probability distributions. */
export function validateMdp(mdp: TabularMDP, caller = 'validateMdp'): void {
  const { nS, nA, P, R, gamma } = mdp;
  if (!Number.isInteger(nS) || nS < 1 || !Number.isInteger(nA) || nA < 1) {
    throw new Error(`${caller}: nS and nA must be positive integers, got nS=${nS}, nA=${nA}`);
  }
  if (P.length !== nS * nA * nS) {
    throw new Error(`${caller}: P must have nS·nA·nS = ${nS * nA * nS} entries, got ${P.length}`);
  }
  if (R.length !== nS * nA)
    throw new Error(`${caller}: R must have nS·nA = ${nS * nA} entries, got ${R.length}`);
  checkGamma(gamma, caller);
  for (let sa = 0; sa < nS * nA; sa++) {
    let sum = 0;
    for (let s2 = 0; s2 < nS; s2++) {
      const p = P[sa * nS + s2];
      if (!(p >= 0 && p <= 1)) {
        throw new Error(
          `${caller}: p(s'=${s2}|s=${Math.floor(sa / nA)},a=${sa % nA}) = ${p} is not in [0, 1]`,
        );
      }
      sum += p;
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
      throw new Error(`${caller}: p(·|s=${Math.floor(sa / nA)},a=${sa % nA}) sums to ${sum}, not 1`);
    }
    if (!Number.isFinite(R[sa]))
      throw new Error(`${caller}: r(s=${Math.floor(sa / nA)},a=${sa % nA}) = ${R[sa]}`);
  }
}

/** Throws unless 0 ≤ γ < 1, the range in which discounted returns are finite and v_π is unique. */
export function checkGamma(gamma: number, caller: string): void {
  if (!(gamma >= 0 && gamma < 1)) throw new Error(`${caller}: gamma must be in [0, 1), got ${gamma}`);
}
