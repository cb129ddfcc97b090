import { describe, expect, it } from 'vitest';
import { parseCli, USAGE } from './cli.js';

describe('gui-agent command line', () => {
  it('has the defaults the README reports, and --help', () => {
    expect(parseCli([], '/tmp/out')).toMatchObject({
      trainTasks: 200,
      variants: true,
      steps: 1200,
      perception: 1,
      evalTasks: 20,
      reflectTasks: 20,
      reflectSamples: 0,
      reflectTemperature: 1,
      dpoSteps: 30,
      dpoPairs: 'action',
      dpoLoss: 'sigmoid',
      dpoCoordinates: false,
      dpoTokens: 'all',
      sftWeight: 1,
      dpoReplay: 16,
      dpoAnchor: 0,
      kinds: ['button', 'checkbox', 'open', 'context', 'slider', 'text', 'dropdown', 'scroll', 'dialog'],
      out: '/tmp/out',
      help: false,
    });
    expect(parseCli(['--help'], '/tmp/out').help).toBe(true);
    expect(parseCli(['--dpo-pairs', 'points'], '/tmp/out').dpoPairs).toBe('points');
    expect(USAGE).toContain('--reflect-tasks');
  });

  it('rejects bad values', () => {
    expect(() => parseCli(['--steps', '0'], '/tmp/out')).toThrow(/steps/);
    expect(() => parseCli(['--kinds', 'button,slidr'], '/tmp/out')).toThrow(/slidr/);
    expect(() => parseCli(['--dpo-pairs', 'some'], '/tmp/out')).toThrow(/dpo-pairs/);
    expect(() => parseCli(['--dpo-tokens', 'last'], '/tmp/out')).toThrow(/dpo-tokens/);
  });
});
