import {
  deterministicPolicy,
  type GridWorld,
  mcExploringStarts,
  type Policy,
  policyEvaluationClosedForm,
  policyImprovement,
  stateValuesFromActionValues,
  valueIteration,
} from '@tessera/rl';

/** One picture of an algorithm in progress: state values, the policy, and what step it is. */
export interface Frame {
  v: Float64Array;
  policy: Policy;
  caption: string;
  done: boolean;
}

export type Algorithm = 'value-iteration' | 'policy-iteration' | 'mc-exploring-starts';

export const ALGORITHMS: Record<Algorithm, string> = {
  'value-iteration': 'Value iteration',
  'policy-iteration': 'Policy iteration',
  'mc-exploring-starts': 'Monte Carlo (exploring starts)',
};

/** Value iteration stops once a sweep changes no value by more than this. */
const VALUE_TOLERANCE = 1e-6;

/** Value iteration one sweep per frame: v_{k+1} = max_a [r + γ P v_k], from v₀ = 0. */
function* valueIterationFrames(grid: GridWorld): Generator<Frame> {
  const mdp = grid.toMdp();
  let v: Float64Array = new Float64Array(mdp.nS);
  for (let k = 1; ; k++) {
    const r = valueIteration(mdp, { v0: v, maxIterations: 1, tolerance: VALUE_TOLERANCE });
    v = r.v;
    const delta = r.deltas[0];
    const done = r.converged;
    yield {
      v,
      policy: r.policy,
      caption: `sweep ${k}: ‖v_k − v_{k−1}‖∞ = ${delta.toExponential(2)}${done ? ' · converged' : ''}`,
      done,
    };
    if (done) return;
  }
}

/** Policy iteration one improvement per frame: evaluate π_k exactly, then act greedily on q_{π_k}. */
function* policyIterationFrames(grid: GridWorld): Generator<Frame> {
  const mdp = grid.toMdp();
  let actions: Int32Array = new Int32Array(mdp.nS); // π₀: "up" everywhere, as policyIteration starts
  for (let k = 0; ; k++) {
    const policy = deterministicPolicy(actions, mdp.nA);
    const v = policyEvaluationClosedForm(mdp, policy);
    const improved = policyImprovement(mdp, v, actions);
    const done = improved.actions.every((a, s) => a === actions[s]);
    yield { v, policy, caption: `π_${k} and its values v_π${done ? ' · stable: optimal' : ''}`, done };
    if (done) return;
    actions = improved.actions;
  }
}

/** Episodes after which MC Exploring Starts is shown (each run starts afresh with the same seed). */
const MC_EPISODES = [100, 300, 1_000, 3_000, 10_000, 30_000, 100_000];

function* monteCarloFrames(grid: GridWorld): Generator<Frame> {
  for (const [i, episodes] of MC_EPISODES.entries()) {
    const r = mcExploringStarts(grid, { gamma: grid.gamma, episodeLength: 60, episodes, seed: 1 });
    const done = i === MC_EPISODES.length - 1;
    yield {
      v: stateValuesFromActionValues(r.policy, r.q),
      policy: r.policy,
      caption: `${episodes.toLocaleString('en-US')} episodes of 60 steps${done ? ' · done' : ''}`,
      done,
    };
  }
}

export function frames(algorithm: Algorithm, grid: GridWorld): Generator<Frame> {
  switch (algorithm) {
    case 'value-iteration':
      return valueIterationFrames(grid);
    case 'policy-iteration':
      return policyIterationFrames(grid);
    case 'mc-exploring-starts':
      return monteCarloFrames(grid);
  }
}
