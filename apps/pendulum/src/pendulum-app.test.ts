import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPngSize } from '@tessera/plot';
import { describe, expect, it } from 'vitest';
import { merge, parseOptions, trainAll } from './main.js';
import { learningCurveChart, swingUp } from './pictures.js';
import { makeAgent } from './train.js';

describe('pendulum app', () => {
  it('parses its command line and rejects bad widths', () => {
    const o = parseOptions([
      '--',
      '--algo',
      'td3',
      '--seeds',
      '2',
      '--first-seed',
      '3',
      '--hidden',
      '32, 16',
    ]);
    expect(o.algos).toEqual(['td3']);
    expect(o.seeds).toEqual([3, 4]);
    expect(o.run.hidden).toEqual([32, 16]);
    expect(parseOptions([]).algos).toEqual(['ddpg', 'td3']);
    expect(() => parseOptions(['--hidden', '64,x'])).toThrow(
      /--hidden needs positive integers like 64,64, got '64,x'/,
    );
    expect(() => parseOptions(['--algo', 'ppo'])).toThrow(/--algo must be one of both, ddpg, td3/);
  });

  it('trains tiny runs apart, merges them, and writes the table, the curve and the swing-up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pendulum-app-'));
    const tiny = ['--steps', '200', '--eval-every', '100', '--eval-episodes', '1', '--hidden', '8'];
    const small = [...tiny, '--batch', '16', '--learning-starts', '100', '--seeds', '1', '--quiet'];
    const runs = [
      ...trainAll(parseOptions([...small, '--algo', 'ddpg', '--out', join(dir, 'ddpg')])),
      ...trainAll(parseOptions([...small, '--algo', 'td3', '--out', join(dir, 'td3')])),
    ];
    for (const r of runs) {
      expect(r.curve.map((p) => p.steps)).toEqual([100, 200]);
      expect(r.finalReturns).toHaveLength(1);
      expect(r.finalReturns[0]).toBe(r.curve[1].mean);
    }
    expect(readdirSync(join(dir, 'td3')).sort()).toEqual([
      'learning-curve.png',
      'results.json',
      'results.txt',
      'swing-up.png',
      'td3-seed0.safetensors',
    ]);
    merge([join(dir, 'ddpg'), join(dir, 'td3')], join(dir, 'both'));
    const table = readFileSync(join(dir, 'both', 'results.txt'), 'utf8')
      .trim()
      .split('\n');
    expect(table).toHaveLength(5);
    expect(table[1]).toMatch(/^DDPG +0 +-?\d+\.\d \+\/- 0\.0/);
    expect(table[2]).toMatch(/^TD3 +0 +-?\d+\.\d \+\/- 0\.0/);
    expect(table[3]).toMatch(/^DDPG: [01]\/1 seeds >= -200; mean over seeds -?\d+\.\d \+\/- 0\.0$/);
    expect(readPngSize(readFileSync(join(dir, 'both', 'learning-curve.png')))).toEqual({
      width: 900,
      height: 480,
    });
    // Frames at steps 0, 10, …, 200: 21 cells of 72 px after the 150 px label column, one row per agent.
    expect(readPngSize(readFileSync(join(dir, 'both', 'swing-up.png')))).toEqual({
      width: 150 + 21 * 72,
      height: 34 + 2 * 96,
    });
    const chart = learningCurveChart(runs, 100);
    expect(chart.series.map((s) => s.name)).toEqual([
      'DDPG mean',
      '+1 std',
      '-1 std',
      'TD3 mean',
      '+1 std',
      '-1 std',
    ]);
    // One seed: the ±std lines coincide with the mean.
    expect(chart.series[1].values).toEqual(chart.series[0].values);
  });

  it('runs a deterministic episode from hanging down for the swing-up picture', () => {
    const agent = makeAgent('ddpg', parseOptions(['--hidden', '4']).run, 0);
    const episode = swingUp('DDPG', (o) => agent.predict(o));
    expect(episode.thetas).toHaveLength(201);
    expect(episode.thetas[0]).toBe(Math.PI);
    expect(episode.torques).toHaveLength(200);
    expect(episode.torques.every((u) => Math.abs(u) <= 2)).toBe(true);
    expect(swingUp('DDPG', (o) => agent.predict(o))).toEqual(episode);
    agent.dispose();
  });
});
