import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressBar, parseCommand, progressByLabel, trainingStatus, usage } from './index.js';

const spec = {
  name: 'demo',
  summary: 'trains a demo model',
  options: {
    device: { type: 'string', choices: ['cpu', 'webgpu'], default: 'cpu', help: 'where to run' },
    steps: { type: 'number', integer: true, min: 1, default: 100, help: 'training steps' },
    lr: { type: 'number', default: 0.01, help: 'learning rate' },
    reward: { type: 'number', help: 'a reward' },
    tied: { type: 'boolean', help: 'tie the head' },
    out: { type: 'string', help: 'output folder' },
  },
} as const;

describe('parseCommand', () => {
  it('fills defaults and types every value', () => {
    const o = parseCommand(spec, []);
    expect(o).toEqual({
      help: false,
      device: 'cpu',
      steps: 100,
      lr: 0.01,
      reward: undefined,
      tied: false,
      out: undefined,
    });
  });

  it('reads flags, `=` forms, negative numbers and the `--` pnpm passes through', () => {
    const o = parseCommand(spec, [
      '--',
      '--steps',
      '7',
      '--lr=0.5',
      '--reward',
      '-1.5',
      '--tied',
      '--device',
      'webgpu',
    ]);
    expect(o).toMatchObject({ steps: 7, lr: 0.5, reward: -1.5, tied: true, device: 'webgpu' });
    expect(parseCommand(spec, ['-h']).help).toBe(true);
  });

  it('rejects unknown flags and bad values, naming the flag and the value', () => {
    expect(() => parseCommand(spec, ['--stepz', '3'])).toThrow(/demo: Unknown option '--stepz'/);
    expect(() => parseCommand(spec, ['--steps', '2.5'])).toThrow(/--steps needs an integer, got '2.5'/);
    expect(() => parseCommand(spec, ['--steps', '0'])).toThrow(/--steps must be at least 1, got 0/);
    expect(() => parseCommand(spec, ['--lr', 'fast'])).toThrow(/--lr needs a number, got 'fast'/);
    expect(() => parseCommand(spec, ['--device', 'tpu'])).toThrow(
      /--device must be one of cpu, webgpu, got 'tpu'/,
    );
  });

  it('prints every option with its default in the usage text', () => {
    const text = usage(spec);
    expect(text).toMatch(/^demo: trains a demo model/);
    expect(text).toMatch(/--device cpu\|webgpu\s+where to run \(default cpu\)/);
    expect(text).toMatch(/--steps N\s+training steps \(default 100\)/);
    expect(text).toMatch(/--help, -h\s+print this text/);
  });
});

describe('ProgressBar', () => {
  function sink(isTTY: boolean): { stream: Writable & { isTTY: boolean }; text: () => string } {
    let text = '';
    const stream = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          text += String(chunk);
          done();
        },
      }),
      { isTTY },
    );
    return { stream, text: () => text };
  }

  it('writes one line per tenth when not on a terminal', () => {
    const s = sink(false);
    const bar = new ProgressBar(20, 'train', { out: s.stream });
    for (let i = 1; i <= 20; i++) bar.update(i, `loss ${i}`);
    const lines = s.text().trim().split('\n');
    // Deciles 0 (the first update, at 5 %) through 10.
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/^train {3}5% 1\/20 /);
    expect(lines[10]).toMatch(/^train 100% 20\/20 \d+\.\ds loss 20$/);
  });

  it('redraws one line on a terminal and ends it when done', () => {
    const s = sink(true);
    const bar = new ProgressBar(2, '', { out: s.stream, width: 4 });
    bar.update(1);
    bar.update(2);
    expect(s.text()).toMatch(/^\r██░░ 1\/2 .*\r████ 2\/2 .*\n$/s);
  });

  it('keeps one bar per label for several models reported in turn', () => {
    const s = sink(false);
    const report = progressByLabel({ out: s.stream });
    report('dense', 1, 2, 'a');
    report('moe', 1, 4, 'b');
    report('dense', 2, 2, 'c');
    const lines = s.text().trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['dense', 'moe', 'dense']);
    expect(lines[1]).toMatch(/^moe {2}25% 1\/4 /);
    expect(lines[2]).toMatch(/^dense 100% 2\/2 .* c$/);
  });

  it('formats a training status with a rounded, separated rate', () => {
    expect(trainingStatus(0.41249, 5925.6, 'tokens')).toBe('loss 0.412 5,926 tokens/s');
  });

  it('writes nothing when quiet', () => {
    const s = sink(true);
    new ProgressBar(3, '', { out: s.stream, quiet: true }).update(3);
    expect(s.text()).toBe('');
  });
});

describe('contextOn', () => {
  it('gives back the CPU context it was handed, or a new one', async () => {
    const { contextOn } = await import('./index.js');
    const { createContext } = await import('@tessera/core');
    const context = createContext();
    expect(await contextOn('cpu', { context })).toBe(context);
    const fresh = await contextOn('cpu');
    expect(fresh).not.toBe(context);
    expect(fresh.defaultDevice).toBe('cpu');
  });
});
