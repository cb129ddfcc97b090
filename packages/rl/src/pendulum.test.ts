import { describe, expect, it } from 'vitest';
import { angleNormalize, Pendulum } from './pendulum.js';

const f32 = Math.fround;

function startedAt(theta: number, thetaDot: number, config = {}): Pendulum {
  const env = new Pendulum(config);
  env.reset({ options: { state: [theta, thetaDot] } });
  return env;
}

describe('Pendulum-v1', () => {
  it('one step by hand: θ = 1, θ̇ = 0.5, u = 1', () => {
    const step = startedAt(1, 0.5).step(Float64Array.of(1));
    // cost = 1² + 0.1·0.5² + 0.001·1² = 1.026; θ̇′ = 0.5 + (15·sin 1 + 3·1)·0.05; θ′ = 1 + θ̇′·0.05
    const thetaDot = 0.5 + (15 * 0.8414709848078965 + 3) * 0.05; // 12.6221 + 3 = 15.6221 → 0.5 + 0.78110 = 1.28110
    const theta = 1 + thetaDot * 0.05;
    expect(step.reward).toBeCloseTo(-1.026, 14);
    expect(thetaDot).toBeCloseTo(1.2811032386, 10);
    expect(Array.from(step.observation)).toEqual([f32(Math.cos(theta)), f32(Math.sin(theta)), f32(thetaDot)]);
    expect(step.terminated).toBe(false);
    expect(step.truncated).toBe(false);
  });

  it('clips the torque to [−2, 2] before it enters the cost and the dynamics', () => {
    const big = startedAt(0, 0).step(Float64Array.of(5));
    // u = 2: cost 0.001·4 (not 0.001·25); θ̇′ = 3·2·0.05 = 0.3
    expect(big.reward).toBeCloseTo(-0.004, 15);
    expect(big.observation[2]).toBe(f32(0.3));
    const low = startedAt(0, 0).step(Float64Array.of(-7));
    expect(low.reward).toBeCloseTo(-0.004, 15);
    expect(low.observation[2]).toBe(f32(-0.3));
  });

  it('charges the cost on the state before the step', () => {
    // From the upright rest state the pre-step cost is 0·… + 0 + 0.001·u², though the step moves the pole.
    const env = startedAt(0, 0);
    expect(env.step(Float64Array.of(1)).reward).toBeCloseTo(-0.001, 15);
    // The next cost uses θ = 0.0075, θ̇ = 0.15 reached by the first step (θ̇ = 3·0.05, θ = θ̇·0.05).
    const second = env.step(Float64Array.of(0));
    expect(second.reward).toBeCloseTo(-(0.0075 ** 2 + 0.1 * 0.15 ** 2), 14);
  });

  it('normalizes the angle into [−π, π) in the cost, with a floored modulo for negative angles', () => {
    expect(angleNormalize(0.5)).toBeCloseTo(0.5, 15);
    expect(angleNormalize(-4)).toBeCloseTo(2 * Math.PI - 4, 14);
    expect(angleNormalize(7)).toBeCloseTo(7 - 2 * Math.PI, 14);
    expect(angleNormalize(-7)).toBeCloseTo(-7 + 2 * Math.PI, 14);
    expect(angleNormalize(Math.PI)).toBeCloseTo(-Math.PI, 14);
    // θ = −4 is 2.283… from upright: cost (2π − 4)², not 16.
    const step = startedAt(-4, 0).step(Float64Array.of(0));
    expect(step.reward).toBeCloseTo(-((2 * Math.PI - 4) ** 2), 12);
  });

  it('clips the speed to [−8, 8] before integrating the angle', () => {
    // θ = π/2, θ̇ = 7.9, u = 2: θ̇ + (15 + 6)·0.05 = 8.95 → 8, θ′ = π/2 + 8·0.05
    const step = startedAt(Math.PI / 2, 7.9).step(Float64Array.of(2));
    expect(step.observation[2]).toBe(8);
    expect(step.observation[0]).toBe(f32(Math.cos(Math.PI / 2 + 0.4)));
    expect(step.reward).toBeCloseTo(-((Math.PI / 2) ** 2 + 0.1 * 7.9 ** 2 + 0.004), 12);
    const down = startedAt(-Math.PI / 2, -7.9).step(Float64Array.of(-2));
    expect(down.observation[2]).toBe(-8);
  });

  it('uses the configured gravity', () => {
    const step = startedAt(Math.PI / 2, 0, { g: 9.81 }).step(Float64Array.of(0));
    expect(step.observation[2]).toBe(f32(((3 * 9.81) / 2) * 0.05));
  });

  it('is truncated after 200 steps and never terminated', () => {
    const env = new Pendulum();
    env.reset({ seed: 3 });
    for (let t = 1; t <= 200; t++) {
      const step = env.step(Float64Array.of(0.3));
      expect(step.terminated).toBe(false);
      expect(step.truncated).toBe(t === 200);
    }
    env.reset();
    expect(env.step(Float64Array.of(0)).truncated).toBe(false);
  });

  it('resets to θ ~ U[−π, π], θ̇ ~ U[−1, 1], reproducibly for a seed, with f32 observations', () => {
    const env = new Pendulum();
    const first = env.reset({ seed: 11 }).observation;
    expect(Array.from(env.reset({ seed: 11 }).observation)).toEqual(Array.from(first));
    let minTheta = Math.PI;
    let maxTheta = -Math.PI;
    for (let i = 0; i < 400; i++) {
      const { observation } = env.reset();
      expect(Math.abs(env.thetaDot)).toBeLessThanOrEqual(1);
      expect(Math.abs(env.theta)).toBeLessThanOrEqual(Math.PI);
      minTheta = Math.min(minTheta, env.theta);
      maxTheta = Math.max(maxTheta, env.theta);
      expect(observation[0]).toBe(f32(Math.cos(env.theta)));
      expect(observation[1]).toBe(f32(Math.sin(env.theta)));
      expect(observation[2]).toBe(f32(env.thetaDot));
      expect(env.observationSpace.contains(observation)).toBe(true);
    }
    expect(minTheta).toBeLessThan(-3);
    expect(maxTheta).toBeGreaterThan(3);
    env.reset({ options: { xInit: 0.1, yInit: 0 } });
    expect(Math.abs(env.theta)).toBeLessThanOrEqual(0.1);
    expect(env.thetaDot).toBe(0);
  });

  it('rejects bad input before acting', () => {
    expect(() => new Pendulum().step(Float64Array.of(0))).toThrow(
      /Pendulum.step: call reset\(\) before step\(\)/,
    );
    const env = startedAt(0, 0);
    expect(() => env.step(Float64Array.of(0, 1))).toThrow(
      /Pendulum.step: action must be one torque, got \[0, 1\]/,
    );
    expect(() => env.reset({ options: { state: [0, Number.NaN] } })).toThrow(/two finite numbers/);
    expect(() => new Pendulum({ maxEpisodeSteps: 0 })).toThrow(/maxEpisodeSteps must be a positive integer/);
  });
});
