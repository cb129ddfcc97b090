import { createContext, memory, tensor } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import type { Module } from '@tessera/nn';
import { Box, Pendulum } from '@tessera/rl';
import { describe, expect, it } from 'vitest';
import { GaussianNoise, OrnsteinUhlenbeckNoise } from './action-noise.js';
import { scaleAction, unscaleAction } from './action-scaling.js';
import { ContextBandit } from './bandit.test-support.js';
import { DDPG } from './ddpg.js';
import { evaluatePolicy } from './evaluate.js';
import type { TransitionBatch } from './replay-buffer.js';
import { TD3 } from './td3.js';

const context = createContext({ cpu: { threads: 1 } });

/** Sets a one-hidden-layer network's weights: fc0 [hidden, in] and fc1 [1, hidden]. */
function setWeights(m: Module, w0: number[][], b0: number[], w1: number[][], b1: number[]): void {
  m.loadStateDict({
    'net.fc0.weight': tensor(w0, { context }),
    'net.fc0.bias': tensor(b0, { context }),
    'net.fc1.weight': tensor(w1, { context }),
    'net.fc1.bias': tensor(b1, { context }),
  });
}

const relu = (x: number) => Math.max(x, 0);
// The target networks of the hand computation, written out as formulas.
const muTarget = (x: number) => Math.tanh(0.3 * relu(x + 0.5) - 0.7 * relu(-2 * x + 0.1) + 0.05);
const q1Target = (x: number, a: number) =>
  1.5 * relu(0.2 * x + a + 0.1) - 0.8 * relu(-0.5 * x + 0.4 * a - 0.2) + 0.3;
const q2Target = (x: number, a: number) => 0.9 * relu(-x + 0.5 * a + 0.3) + 0.6 * relu(x - a) - 0.1;

function handTargetAgent(config: ConstructorParameters<typeof TD3>[1]): TD3 {
  const agent = new TD3(new ContextBandit(), { hidden: [2], gamma: 0.9, context, ...config });
  setWeights(agent.actorTarget, [[1], [-2]], [0.5, 0.1], [[0.3, -0.7]], [0.05]);
  setWeights(
    agent.criticTargets[0],
    [
      [0.2, 1],
      [-0.5, 0.4],
    ],
    [0.1, -0.2],
    [[1.5, -0.8]],
    [0.3],
  );
  if (agent.criticTargets.length > 1) {
    setWeights(
      agent.criticTargets[1],
      [
        [-1, 0.5],
        [1, -1],
      ],
      [0.3, 0],
      [[0.9, 0.6]],
      [-0.1],
    );
  }
  return agent;
}

const tinyBatch: TransitionBatch = {
  size: 3,
  observations: Float32Array.of(0, 0, 0),
  actions: Float32Array.of(0, 0, 0),
  rewards: Float32Array.of(1, -0.5, 2),
  nextObservations: Float32Array.of(0.4, -0.6, 0.9),
  terminals: Float32Array.of(0, 1, 0),
};

describe('critic targets by hand', () => {
  it('DDPG: y = r + γ(1 − d)·Q′(s′, μ′(s′))', () => {
    const agent = handTargetAgent({ nCritics: 1, targetPolicyNoise: 0 });
    const y = agent.targetValues(tinyBatch);
    for (let b = 0; b < 3; b++) {
      const x = tinyBatch.nextObservations[b];
      const expected = tinyBatch.rewards[b] + 0.9 * (1 - tinyBatch.terminals[b]) * q1Target(x, muTarget(x));
      expect(y[b]).toBeCloseTo(expected, 5);
    }
    // Row 1 is terminal: its target is the reward alone.
    expect(y[1]).toBeCloseTo(-0.5, 6);
    agent.dispose();
  });

  it('TD3: the minimum of the twin target critics', () => {
    const agent = handTargetAgent({ nCritics: 2, targetPolicyNoise: 0 });
    const y = agent.targetValues(tinyBatch);
    let minOfSecond = 0;
    for (let b = 0; b < 3; b++) {
      const x = tinyBatch.nextObservations[b];
      const a = muTarget(x);
      if (q2Target(x, a) < q1Target(x, a)) minOfSecond++;
      const expected =
        tinyBatch.rewards[b] + 0.9 * (1 - tinyBatch.terminals[b]) * Math.min(q1Target(x, a), q2Target(x, a));
      expect(y[b]).toBeCloseTo(expected, 5);
    }
    expect(minOfSecond).toBeGreaterThan(0); // the second critic matters in this batch
    agent.dispose();
  });

  it('TD3: the target action is μ′(s′) plus smoothing noise clipped to [−c, c]', () => {
    // σ̃ = 10⁶ saturates the clip, so each row's target action is μ′(s′) ± 0.1 exactly.
    const agent = handTargetAgent({ nCritics: 1, targetPolicyNoise: 1e6, targetNoiseClip: 0.1 });
    const signs = new Set<number>();
    for (let trial = 0; trial < 4; trial++) {
      const y = agent.targetValues(tinyBatch);
      for (const b of [0, 2]) {
        const x = tinyBatch.nextObservations[b];
        const ys = [1, -1].map((s) => tinyBatch.rewards[b] + 0.9 * q1Target(x, muTarget(x) + 0.1 * s));
        const match = ys.findIndex((v) => Math.abs(v - y[b]) < 1e-5);
        expect(match).toBeGreaterThanOrEqual(0);
        signs.add(match);
      }
    }
    expect(signs.size).toBe(2);
    agent.dispose();
  });
});

describe('TD3 updates', () => {
  it('updates the actor and the targets every policyDelay critic updates', () => {
    const agent = new TD3(new ContextBandit(), {
      hidden: [8],
      batchSize: 8,
      policyDelay: 2,
      tau: 0.5,
      context,
    });
    agent.learn(16); // all random actions (learningStarts 100): fills the buffer only
    expect(agent.numUpdates).toBe(0);
    const snapshot = (m: Module) => m.parameters().map((p) => Array.from(p.dataSync()));
    const changed = (a: number[][], b: number[][]) => a.some((row, i) => row.some((v, j) => v !== b[i][j]));
    const actor = snapshot(agent.actor);
    const critic = snapshot(agent.critics[0]);
    const actorTarget = snapshot(agent.actorTarget);
    const criticTarget = snapshot(agent.criticTargets[1]);
    agent.train(1);
    expect(changed(snapshot(agent.critics[0]), critic)).toBe(true);
    expect(changed(snapshot(agent.actor), actor)).toBe(false);
    expect(changed(snapshot(agent.actorTarget), actorTarget)).toBe(false);
    expect(changed(snapshot(agent.criticTargets[1]), criticTarget)).toBe(false);
    agent.train(1);
    expect(changed(snapshot(agent.actor), actor)).toBe(true);
    expect(changed(snapshot(agent.actorTarget), actorTarget)).toBe(true);
    expect(changed(snapshot(agent.criticTargets[1]), criticTarget)).toBe(true);
    // The critics' gradients were cleared, the targets hold none.
    for (const p of [...agent.critics[0].parameters(), ...agent.actorTarget.parameters()])
      expect(p.grad).toBeUndefined();
    agent.dispose();
  });

  it('trains gradientSteps times every trainFreq steps after learningStarts, with the chosen noise', () => {
    const agent = new TD3(new ContextBandit(), {
      hidden: [4],
      batchSize: 4,
      learningStarts: 10,
      trainFreq: 4,
      gradientSteps: 3,
      actionNoise: 'ornstein-uhlenbeck',
      context,
    });
    expect(agent.noise).toBeInstanceOf(OrnsteinUhlenbeckNoise);
    agent.learn(10);
    expect(agent.numUpdates).toBe(0);
    agent.learn(9); // steps 12 and 16 train (past 10, multiples of 4); 19 does not
    expect(agent.numUpdates).toBe(6);
    agent.dispose();
    expect(new DDPG(new ContextBandit(), { actionNoise: 'none', context }).noise).toBeUndefined();
    const wide = new GaussianNoise({ dim: 2, sigma: 0.1, rng: new Rng(0) });
    expect(() => new TD3(new ContextBandit(), { actionNoise: wide, context })).toThrow(
      /actionNoise has dim 2, the action space 1/,
    );
  });

  it('leaves the live tensor count unchanged across acting and training', () => {
    const agent = new TD3(new Pendulum(), {
      hidden: [8],
      batchSize: 8,
      learningStarts: 20,
      policyDelay: 2,
      context,
    });
    agent.learn(24); // past the optimizers' first steps, which create their moment tensors
    const live = memory(context).tensors;
    agent.learn(7);
    expect(agent.numUpdates).toBe(11);
    expect(memory(context).tensors).toBe(live);
    agent.dispose();
  });

  it('stores time-limit truncations as non-terminal, so the critic bootstraps through them', () => {
    const agent = new DDPG(new Pendulum(), { hidden: [4], learningStarts: 1000, context });
    agent.learn(400); // two whole episodes, both truncated at 200 steps
    expect(agent.episodeReturns).toHaveLength(2);
    expect(agent.buffer.size).toBe(400);
    const all = agent.buffer.gather(Array.from({ length: 400 }, (_, i) => i));
    expect(all.terminals.every((d) => d === 0)).toBe(true);
    // Step 200 ends the first episode: its next observation is the real one, not the next episode's start.
    const next199 = Array.from(all.nextObservations.subarray(199 * 3, 200 * 3));
    const start200 = Array.from(all.observations.subarray(200 * 3, 201 * 3));
    expect(next199).not.toEqual(start200);
    agent.dispose();
  });

  for (const Algo of [DDPG, TD3]) {
    it(`${Algo.name} learns a one-step continuous bandit (best action a = x)`, () => {
      const env = new ContextBandit();
      const agent = new Algo(env, {
        hidden: [32, 32],
        batchSize: 64,
        learningStarts: 64,
        learningRate: 3e-3,
        context,
        seed: 2,
      });
      const score = () => {
        const r = evaluatePolicy(new ContextBandit(), (o) => agent.predict(o), { episodes: 50, seed: 99 });
        return r.reduce((a, b) => a + b) / r.length;
      };
      const before = score();
      agent.learn(600);
      const after = score();
      // Acting at random in [−2, 2] loses E(a − x)² = 4/3 + 1/3; the best policy loses nothing.
      expect(after).toBeGreaterThan(-0.03);
      expect(after).toBeGreaterThan(before + 0.05);
      expect(agent.episodeReturns.length).toBe(600);
      agent.dispose();
    });
  }
});

describe('save, load and determinism', () => {
  it('load restores every network saved by save; a mismatched file is rejected by name', () => {
    const a = new TD3(new ContextBandit(), {
      hidden: [8],
      batchSize: 8,
      learningStarts: 20,
      seed: 1,
      context,
    });
    a.learn(40);
    const bytes = a.save();
    const b = new TD3(new ContextBandit(), { hidden: [8], batchSize: 8, seed: 2, context });
    const obs = [-0.9, -0.2, 0.3, 0.8].map((x) => Float64Array.of(x));
    expect(obs.some((o) => a.predict(o)[0] !== b.predict(o)[0])).toBe(true);
    b.load(bytes);
    for (const o of obs) expect(b.predict(o)[0]).toBe(a.predict(o)[0]);
    const loaded = b.stateDict();
    for (const [k, t] of a.stateDict())
      expect(Array.from(loaded.get(k)!.dataSync())).toEqual(Array.from(t.dataSync()));
    const ddpg = new DDPG(new ContextBandit(), { hidden: [8], context });
    expect(() => ddpg.load(bytes)).toThrow(
      /DDPG.load: the file does not fit this agent .*unexpected: \[critics.1/,
    );
    for (const agent of [a, b, ddpg]) agent.dispose();
  });

  it('the same seed gives the same agent', () => {
    const run = () => {
      const agent = new DDPG(new Pendulum(), {
        hidden: [8],
        batchSize: 8,
        learningStarts: 50,
        seed: 4,
        context,
      });
      agent.learn(120);
      const out = [agent.predict(Float64Array.of(1, 0, 0))[0], agent.episodeReturns.length, agent.numUpdates];
      agent.dispose();
      return out;
    };
    expect(run()).toEqual(run());
  });
});

describe('action scaling and evaluation', () => {
  it('maps a box to [−1, 1] and back', () => {
    const box = new Box([-2, 0], [2, 10]);
    expect(Array.from(scaleAction(box, [1, 5]))).toEqual([0.5, 0]);
    expect(Array.from(scaleAction(box, [-2, 10]))).toEqual([-1, 1]);
    expect(Array.from(unscaleAction(box, [0.5, -1]))).toEqual([1, 0]);
    expect(() => scaleAction(box, [1])).toThrow(/scaleAction: action has 1 entries, the space 2/);
  });

  it('evaluatePolicy returns each episode’s undiscounted return, as a plain loop does', () => {
    const policy = (o: Float64Array) => Float64Array.of(-2 * o[1]);
    const returns = evaluatePolicy(new Pendulum(), policy, { episodes: 3, seed: 8 });
    const env = new Pendulum();
    env.reset({ seed: 8 });
    for (let e = 0; e < 3; e++) {
      let o = e === 0 ? env.reset({ seed: 8 }).observation : env.reset().observation;
      let total = 0;
      for (let t = 0; t < 200; t++) {
        const step = env.step(policy(o));
        total += step.reward;
        o = step.observation;
      }
      expect(returns[e]).toBe(total);
    }
  });

  it('rejects bad configurations before building anything', () => {
    const env = new ContextBandit();
    expect(() => new TD3(env, { batchSize: 0, context })).toThrow(
      /TD3: batchSize must be a positive integer, got 0/,
    );
    expect(() => new DDPG(env, { gamma: 1.5, context })).toThrow(/DDPG: gamma must be in \[0, 1\], got 1.5/);
    expect(() => new TD3(env, { hidden: [], context })).toThrow(/hidden must be one or more/);
    const unbounded = Object.assign(new ContextBandit(), { actionSpace: new Box([-Infinity], [1]) });
    expect(() => new TD3(unbounded, { context })).toThrow(/the action space must be bounded/);
  });
});
