import { createContext } from '@tessera/core';
import { Pendulum } from '@tessera/rl';
import { DDPG, evaluatePolicy, TD3, type TD3Config } from '@tessera/rl-deep';

export type Algo = 'ddpg' | 'td3';

export interface RunOptions {
  steps: number;
  evalEvery: number;
  evalEpisodes: number;
  hidden: number[];
  batchSize: number;
  learningStarts: number;
  noise: 'gaussian' | 'ornstein-uhlenbeck';
  noiseSigma: number;
  threads: number;
}

/** What a run measured; `RunResult` adds the trained agent. */
export interface RunSummary {
  algo: Algo;
  seed: number;
  /** Steps at which the policy was evaluated, and the mean and std of its returns there. */
  curve: { steps: number; mean: number; std: number }[];
  /** The returns of the final evaluation episodes. */
  finalReturns: number[];
  /** Seconds spent in `learn` (acting and training), the CPU seconds this process used there, and in evaluation. */
  trainSeconds: number;
  trainCpuSeconds: number;
  evalSeconds: number;
}

export interface RunResult extends RunSummary {
  agent: TD3;
}

/** Pendulum settings in the spirit of the RL Zoo's (γ 0.98, Gaussian σ 0.1 on the scaled action, lr 1e-3). */
export function agentConfig(options: RunOptions, seed: number): TD3Config {
  return {
    hidden: options.hidden,
    gamma: 0.98,
    tau: 0.005,
    learningRate: 1e-3,
    batchSize: options.batchSize,
    bufferSize: 200_000,
    learningStarts: options.learningStarts,
    actionNoise: options.noise,
    noiseSigma: options.noiseSigma,
    seed,
    context: createContext({ cpu: { threads: options.threads } }),
  };
}

/** A fresh agent for Pendulum with the run's settings (also the shape `load` needs for a saved one). */
export function makeAgent(algo: Algo, options: RunOptions, seed: number): TD3 {
  const config = agentConfig(options, seed);
  return algo === 'ddpg' ? new DDPG(new Pendulum(), config) : new TD3(new Pendulum(), config);
}

export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, std };
}

/** Trains one agent for `steps` environment steps, evaluating it deterministically every `evalEvery`. */
export function trainOne(
  algo: Algo,
  seed: number,
  options: RunOptions,
  onProgress?: (steps: number, lastEval: number | undefined) => void,
): RunResult {
  const agent = makeAgent(algo, options, seed);
  // The same 10 start states at every evaluation of this seed, apart from the training episodes' ones.
  const evaluate = () =>
    evaluatePolicy(new Pendulum(), (o) => agent.predict(o), {
      episodes: options.evalEpisodes,
      seed: 10_000 + seed,
    });
  const curve: RunResult['curve'] = [];
  let trainSeconds = 0;
  let trainCpuSeconds = 0;
  let evalSeconds = 0;
  let finalReturns: number[] = [];
  let lastEval: number | undefined;
  while (agent.numTimesteps < options.steps) {
    const chunk = Math.min(
      options.evalEvery - (agent.numTimesteps % options.evalEvery),
      options.steps - agent.numTimesteps,
    );
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    agent.learn(chunk, ({ steps }) => {
      if (steps % 100 === 0) onProgress?.(steps, lastEval);
    });
    const cpu = process.cpuUsage(cpu0);
    trainCpuSeconds += (cpu.user + cpu.system) / 1e6;
    const t1 = performance.now();
    finalReturns = evaluate();
    evalSeconds += (performance.now() - t1) / 1000;
    trainSeconds += (t1 - t0) / 1000;
    const { mean, std } = meanStd(finalReturns);
    lastEval = mean;
    curve.push({ steps: agent.numTimesteps, mean, std });
  }
  onProgress?.(agent.numTimesteps, lastEval);
  return { algo, seed, curve, finalReturns, trainSeconds, trainCpuSeconds, evalSeconds, agent };
}
