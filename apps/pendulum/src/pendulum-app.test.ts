import { readPngSize, renderLineChartPng } from '@tessera/plot';
import { describe, expect, it } from 'vitest';
import { parseOptions, resultTable } from './main.js';
import { learningCurveChart, swingUp, swingUpStripPng } from './pictures.js';
import { type RunOptions, trainOne } from './train.js';

const tiny: RunOptions = {
  steps: 200,
  evalEvery: 100,
  evalEpisodes: 1,
  hidden: [8],
  batchSize: 16,
  learningStarts: 100,
  noise: 'gaussian',
  noiseSigma: 0.1,
  threads: 1,
};

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

  it('trains two tiny runs, tabulates them and draws the curve and the swing-up', () => {
    const runs = [trainOne('ddpg', 0, tiny), trainOne('td3', 0, tiny)];
    for (const r of runs) {
      expect(r.curve.map((p) => p.steps)).toEqual([100, 200]);
      expect(r.agent.numTimesteps).toBe(200);
      expect(r.agent.numUpdates).toBe(100);
      expect(r.finalReturns).toHaveLength(1);
      expect(r.finalReturns[0]).toBe(r.curve[1].mean);
    }
    const table = resultTable(runs, tiny.steps).split('\n');
    expect(table).toHaveLength(5);
    expect(table[1]).toMatch(/^DDPG +0 +-?\d+\.\d \+\/- 0\.0/);
    expect(table[3]).toMatch(/^DDPG: [01]\/1 seeds >= -200; mean over seeds -?\d+\.\d \+\/- 0\.0$/);
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
    expect(readPngSize(renderLineChartPng(chart))).toEqual({ width: 900, height: 480 });
    const episode = swingUp('DDPG', (o) => runs[0].agent.predict(o));
    expect(episode.thetas).toHaveLength(201);
    expect(episode.thetas[0]).toBe(Math.PI);
    expect(episode.torques).toHaveLength(200);
    // Frames at steps 0, 10, …, 200: 21 cells of 72 px after the 150 px label column.
    expect(readPngSize(swingUpStripPng([episode, episode]))).toEqual({
      width: 150 + 21 * 72,
      height: 34 + 2 * 96,
    });
    for (const r of runs) r.agent.dispose();
  });
});
