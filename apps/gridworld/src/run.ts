import type { LineChart } from '@tessera/plot';
import {
  batchGdMean,
  bookGridWorld,
  type GridWorld,
  mcBasic,
  mcEpsilonGreedy,
  mcExploringStarts,
  miniBatchGdMean,
  type Policy,
  policyIteration,
  qLearning,
  Rng,
  robbinsMonro,
  sarsa,
  sgdMean,
  stateValuesFromActionValues,
  truncatedPolicyIteration,
  uniformPolicy,
  valueIteration,
} from '@tessera/rl';
import type { CliOptions } from './cli.js';
import type { GridPicture } from './grid-picture.js';

/** The book's 5×5 grid with the rewards and discount taken from the command line. */
export function gridFromOptions(o: CliOptions): GridWorld {
  return bookGridWorld({
    rBoundary: o.rBoundary,
    rForbidden: o.rForbidden,
    rTarget: o.rTarget,
    rOther: o.rOther,
    gamma: o.gamma,
  });
}

/** Runs one grid-world algorithm and returns what to draw: v(s) and the policy it found. */
export function solveGrid(o: CliOptions): GridPicture {
  const grid = gridFromOptions(o);
  const mdp = grid.toMdp();
  const { gamma, seed } = o;
  // Model-free methods report q; the picture shows v(s) = Σ_a π(a|s) q(s,a) of the policy they return.
  const fromQ = (q: Float64Array, policy: Policy, title: string): GridPicture => ({
    grid,
    v: stateValuesFromActionValues(policy, q),
    policy,
    title,
  });
  switch (o.algo) {
    case 'value-iteration': {
      const r = valueIteration(mdp);
      return { grid, v: r.v, policy: r.policy, title: `Value iteration (${r.iterations} iterations)` };
    }
    case 'policy-iteration': {
      const r = policyIteration(mdp);
      return { grid, v: r.v, policy: r.policy, title: `Policy iteration (${r.iterations} iterations)` };
    }
    case 'truncated-pi': {
      const r = truncatedPolicyIteration(mdp, { evaluationSweeps: 10 });
      return {
        grid,
        v: r.v,
        policy: r.policy,
        title: `Truncated policy iteration (${r.iterations} iterations)`,
      };
    }
    case 'mc-basic': {
      const episodeLength = o.episodeLength ?? 100;
      const r = mcBasic(grid, { gamma, episodeLength, seed, episodesPerPair: o.episodes ?? 1 });
      return fromQ(r.q, r.policy, `MC Basic (length ${episodeLength}, ${r.iterations} iterations)`);
    }
    case 'mc-es': {
      const episodeLength = o.episodeLength ?? 60;
      const episodes = o.episodes ?? 100_000;
      const r = mcExploringStarts(grid, { gamma, episodeLength, episodes, seed });
      return fromQ(r.q, r.policy, `MC Exploring Starts (${episodes} episodes)`);
    }
    case 'mc-egreedy': {
      const episodeLength = o.episodeLength ?? 150;
      const episodes = o.episodes ?? 50_000;
      const r = mcEpsilonGreedy(grid, {
        gamma,
        episodeLength,
        episodes,
        seed,
        epsilon: o.epsilon,
        visit: 'first',
        updateSteps: Math.max(1, Math.floor(episodeLength / 3)),
      });
      return fromQ(r.q, r.policy, `MC eps-greedy (eps ${o.epsilon}, ${episodes} episodes)`);
    }
    case 'sarsa': {
      const episodes = o.episodes ?? 2_000;
      const r = sarsa(grid, {
        gamma,
        alpha: o.alpha,
        epsilon: o.epsilon,
        episodes,
        episodeLength: o.episodeLength ?? 100,
        seed,
      });
      return fromQ(r.q, r.policy, `Sarsa (eps ${o.epsilon}, ${episodes} episodes)`);
    }
    case 'q-learning': {
      const episodes = o.episodes ?? 100;
      const r = qLearning(grid, {
        gamma,
        alpha: o.alpha,
        episodes,
        episodeLength: o.episodeLength ?? 1_000,
        seed,
        behaviorPolicy: uniformPolicy(grid.nS, grid.nA),
      });
      return fromQ(r.q, r.policy, `Q-learning, off-policy (${episodes} episodes)`);
    }
    case 'sa':
      throw new Error('solveGrid: --algo sa draws charts, use stochasticApproximationCharts');
  }
}

/**
 * The stochastic-approximation examples: Robbins–Monro on g(w) = tanh(w − 1) from w₁ = 3 with a_k = 1/k,
 * exact and with N(0, 0.5²) observation noise; and estimating the mean of 100 points uniform in [−10, 10]²
 * from w₁ = (20, 20) with α_k = 1/k by SGD, BGD and MBGD.
 */
export function stochasticApproximationCharts(o: CliOptions): { name: string; chart: LineChart }[] {
  const iterations = o.episodes ?? 50;
  const g = (w: number) => Math.tanh(w - 1);
  const exact = robbinsMonro({ g, w1: 3, iterations, stepSize: (k) => 1 / k });
  const noisy = robbinsMonro({
    g,
    w1: 3,
    iterations,
    stepSize: (k) => 1 / k,
    noise: (_k, rng) => rng.normal(0, 0.5),
    seed: o.seed,
  });
  const rng = new Rng(o.seed);
  const samples = Array.from({ length: 100 }, () =>
    Float64Array.of(rng.uniform(-10, 10), rng.uniform(-10, 10)),
  );
  const base = { samples, w1: [20, 20], iterations, stepSize: (k: number) => 1 / k, seed: o.seed };
  return [
    {
      name: 'sa-robbins-monro',
      chart: {
        title: 'Robbins-Monro on tanh(w-1), a_k = 1/k',
        xLabel: 'k',
        yLabel: 'w_k',
        series: [
          { name: 'no noise', values: exact.w, color: [30, 90, 200] },
          { name: 'noise N(0, 0.25)', values: noisy.w, color: [220, 90, 30] },
          { name: 'root w = 1', values: new Float64Array(iterations + 1).fill(1), color: [120, 120, 120] },
        ],
      },
    },
    {
      name: 'sa-mean-estimation',
      chart: {
        title: 'Mean estimation: distance to the sample mean',
        xLabel: 'iteration k',
        yLabel: '|w_k - mean|',
        series: [
          { name: 'SGD', values: sgdMean(base).errors, color: [220, 60, 60] },
          {
            name: 'MBGD m=5',
            values: miniBatchGdMean({ ...base, batchSize: 5 }).errors,
            color: [230, 150, 30],
          },
          {
            name: 'MBGD m=50',
            values: miniBatchGdMean({ ...base, batchSize: 50 }).errors,
            color: [40, 160, 80],
          },
          { name: 'BGD', values: batchGdMean(base).errors, color: [40, 80, 200] },
        ],
      },
    },
  ];
}
