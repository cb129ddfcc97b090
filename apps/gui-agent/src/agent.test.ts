import { describe, expect, it } from 'vitest';
import { type Episode, metrics, sameAction, type TraceStep } from './agent.js';
import type { ExpertStep, Screenshot } from './env.js';
import type { Task, TaskKind } from './tasks.js';

// Grid cell (x, y) stands for page pixel (3x + 1.5, 3y + 1.5) (64×48 over 192×144).
const button: ExpertStep = {
  thought: 'I click the red button.',
  action: { type: 'click', start: { x: 10, y: 10 } },
  startBox: { x: 24, y: 24, w: 36, h: 18 }, // cells x 8–19, y 8–13
};

describe('sameAction', () => {
  it('needs the same action kind with its point inside the box the expert aims at', () => {
    expect(sameAction({ type: 'click', start: { x: 8, y: 8 } }, button)).toBe(true); // (25.5, 25.5)
    expect(sameAction({ type: 'click', start: { x: 19, y: 13 } }, button)).toBe(true); // (58.5, 40.5)
    expect(sameAction({ type: 'click', start: { x: 20, y: 10 } }, button)).toBe(false); // (61.5, …) is outside
    expect(sameAction({ type: 'click', start: { x: 7, y: 10 } }, button)).toBe(false);
    expect(sameAction({ type: 'left_double', start: { x: 10, y: 10 } }, button)).toBe(false);
    expect(sameAction(null, button)).toBe(false);
  });

  it('compares drag ends, typed text, hotkeys (escape = esc) and scroll directions', () => {
    const drag: ExpertStep = {
      thought: '',
      action: { type: 'drag', start: { x: 5, y: 5 }, end: { x: 30, y: 5 } },
      startBox: { x: 12, y: 12, w: 10, h: 6 },
      endBox: { x: 88, y: 10, w: 6, h: 10 },
    };
    expect(sameAction({ type: 'drag', start: { x: 5, y: 4 }, end: { x: 29, y: 4 } }, drag)).toBe(true); // end (88.5, 13.5)
    expect(sameAction({ type: 'drag', start: { x: 5, y: 4 }, end: { x: 31, y: 4 } }, drag)).toBe(false); // end x 94.5
    const type: ExpertStep = { thought: '', action: { type: 'type', content: 'cat\n' } };
    expect(sameAction({ type: 'type', content: 'cat\n' }, type)).toBe(true);
    expect(sameAction({ type: 'type', content: 'cat' }, type)).toBe(false);
    const key: ExpertStep = { thought: '', action: { type: 'hotkey', keys: ['esc'] } };
    expect(sameAction({ type: 'hotkey', keys: ['escape'] }, key)).toBe(true);
    expect(sameAction({ type: 'hotkey', keys: ['enter'] }, key)).toBe(false);
    const scroll: ExpertStep = {
      thought: '',
      action: { type: 'scroll', start: { x: 10, y: 10 }, direction: 'down' },
      startBox: { x: 0, y: 0, w: 90, h: 90 },
    };
    expect(sameAction({ type: 'scroll', start: { x: 1, y: 1 }, direction: 'down' }, scroll)).toBe(true);
    expect(sameAction({ type: 'scroll', start: { x: 1, y: 1 }, direction: 'up' }, scroll)).toBe(false);
  });
});

describe('metrics', () => {
  const shot: Screenshot = { width: 64, height: 48, rgb: new Uint8Array(64 * 48 * 3) };
  const step = (action: TraceStep['action'], expert: ExpertStep): TraceStep => ({
    shot,
    previous: 'none',
    text: '',
    action,
    expert,
    correct: sameAction(action, expert),
  });
  const task = (kind: TaskKind): Task => ({ kind, goal: kind, html: '', color: 'red' });
  const hit = { type: 'click', start: { x: 10, y: 10 } } as const;
  const miss = { type: 'click', start: { x: 40, y: 40 } } as const;
  const esc: ExpertStep = { thought: '', action: { type: 'hotkey', keys: ['esc'] } };

  it('counts grounding over click steps, step accuracy over all steps, success by single- and multi-step kind', () => {
    const episodes: Episode[] = [
      { task: task('button'), steps: [step(hit, button)], success: true },
      { task: task('button'), steps: [step(miss, button)], success: false },
      { task: task('checkbox'), steps: [step(null, button)], success: false },
      {
        task: task('dialog'),
        steps: [step({ type: 'hotkey', keys: ['esc'] }, esc), step(hit, button)],
        success: true,
      },
    ];
    const m = metrics(episodes);
    // Click steps: hit, miss, unparsed, hit → 2/4; all steps: 3 of 5 right.
    expect(m.grounding).toBe(0.5);
    expect(m.groundingSteps).toBe(4);
    expect(m.stepAccuracy).toBeCloseTo(3 / 5, 12);
    expect(m.singleStepSuccess).toBeCloseTo(1 / 3, 12);
    expect(m.singleStepEpisodes).toBe(3);
    expect(m.multiStepSuccess).toBe(1);
    expect(m.byKind).toEqual({ button: 0.5, checkbox: 0, dialog: 1 });
  });
});
