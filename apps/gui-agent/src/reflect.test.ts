import { createContext } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { type Action, formatStep } from '@tessera/gui-agent';
import { describe, expect, it } from 'vitest';
import type { Episode, Responder } from './agent.js';
import type { ExpertStep, Screenshot } from './env.js';
import { DEFAULT_POLICY, type Observation } from './policy.js';
import { correctedStep, reflectionPairs, selectPairs } from './reflect.js';
import { encode } from './tokenizer.js';
import { firstDifference, makeBatch } from './train.js';

// Grid cell (x, y) stands for page pixel (3x + 1.5, 3y + 1.5) (64×48 over 192×144).
const option: ExpertStep = {
  thought: 'I choose green.',
  action: { type: 'click', start: { x: 44, y: 29 } },
  startBox: { x: 120, y: 80, w: 60, h: 14 }, // cells x 40–59, y 27–30
};

describe('correctedStep', () => {
  it("keeps the agent's coordinates that fall within the target's box along their axis", () => {
    // x 43 → 130.5 is inside 120–180; y 25 → 76.5 is above 80: only y is corrected.
    const fixed = correctedStep(option, { type: 'click', start: { x: 43, y: 25 } });
    expect(fixed).toEqual({ thought: 'I choose green.', action: { type: 'click', start: { x: 43, y: 29 } } });
    // x 62 → 187.5 is right of 180, y 28 → 85.5 inside: only x is corrected.
    expect(correctedStep(option, { type: 'click', start: { x: 62, y: 28 } }).action).toEqual({
      type: 'click',
      start: { x: 44, y: 28 },
    });
  });

  it("gives the expert's step as it is for another kind of action or no action", () => {
    const expert = { thought: option.thought, action: option.action };
    expect(correctedStep(option, { type: 'left_double', start: { x: 43, y: 28 } })).toEqual(expert);
    expect(correctedStep(option, null)).toEqual(expert);
  });

  it("corrects a drag's start and end each against its own box", () => {
    const drag: ExpertStep = {
      thought: 'I drag the slider to the red mark.',
      action: { type: 'drag', start: { x: 5, y: 5 }, end: { x: 30, y: 5 } },
      startBox: { x: 12, y: 12, w: 10, h: 6 }, // cells x 4–6, y 4–5
      endBox: { x: 88, y: 10, w: 6, h: 10 }, // cells x 29–30, y 3–6
    };
    const predicted: Action = { type: 'drag', start: { x: 4, y: 9 }, end: { x: 33, y: 4 } };
    expect(correctedStep(drag, predicted).action).toEqual({
      type: 'drag',
      start: { x: 4, y: 5 },
      end: { x: 30, y: 4 },
    });
  });
});

describe('firstDifference', () => {
  it('finds the first response token where the rejected step departs from the chosen one', () => {
    const chosen = formatStep({
      thought: 'I choose green.',
      action: { type: 'click', start: { x: 43, y: 29 } },
    });
    const rejected = formatStep({
      thought: 'I choose green.',
      action: { type: 'click', start: { x: 43, y: 25 } },
    });
    const c = encode(chosen);
    const at = c.indexOf(encode('29')[0]);
    expect(at).toBeGreaterThan(0);
    expect(encode(rejected).slice(0, at)).toEqual(c.slice(0, at));
    expect(firstDifference(chosen, rejected, DEFAULT_POLICY)).toBe(at);
    expect(firstDifference(chosen, chosen, DEFAULT_POLICY)).toBe(-1);
    // A thought that starts otherwise departs at its second token ("Thought:" is one word).
    const scroll = "Thought: The green item is below.\nAction: scroll(start_box='(40,20)', direction='down')";
    expect(firstDifference(scroll, chosen, DEFAULT_POLICY)).toBe(encode('Thought:').length);
  });

  it('lets makeBatch score that one token of each row', () => {
    const ctx = createContext();
    const shot: Screenshot = { width: 64, height: 48, rgb: new Uint8Array(64 * 48 * 3) };
    const row = {
      shot,
      goal: 'choose green in the menu',
      previous: 'click' as const,
      text: 'Action: wait()',
    };
    const b = makeBatch([row, row], DEFAULT_POLICY, ctx, { only: [2, -1] });
    const prompt = DEFAULT_POLICY.goalTokens + 2;
    const mask = Array.from(b.mask.dataSync());
    const s = mask.length / 2;
    expect(mask.slice(0, s).flatMap((m, t) => (m ? [t] : []))).toEqual([prompt + 2]);
    expect(mask.slice(s).every((m) => m === 0)).toBe(true);
  });
});

describe('reflectionPairs', () => {
  const shot: Screenshot = { width: 64, height: 48, rgb: new Uint8Array(64 * 48 * 3) };
  const say = (step: { thought: string; action: Action }) => encode(formatStep(step));
  const wrongY = { thought: 'I choose green.', action: { type: 'click', start: { x: 43, y: 25 } } } as const;
  const right = { thought: 'I choose green.', action: { type: 'click', start: { x: 45, y: 28 } } } as const;
  const wait = { thought: 'I wait.', action: { type: 'wait' } } as const;

  it('pairs the greedy mistake and each distinct drawn mistake with the corrected expert step, the right draws with none', async () => {
    const episode: Episode = {
      task: { kind: 'dropdown', goal: 'choose green in the menu', html: '', color: 'green' },
      steps: [
        {
          shot,
          previous: 'click',
          text: formatStep(wrongY),
          action: wrongY.action,
          expert: option,
          correct: false,
        },
      ],
      success: false,
    };
    // The draws, in order: right, the greedy mistake again, wait, wait.
    const draws = [right, wrongY, wait, wait];
    const seen: { temperature?: number }[] = [];
    const responder: Responder = {
      respond: async (obs: readonly Observation[], _ctx, sampling) => {
        seen.push({ temperature: sampling?.temperature });
        expect(obs).toHaveLength(1);
        return [say(draws[seen.length - 1])];
      },
    };
    const pairs = await reflectionPairs(responder, [episode], {
      samples: 4,
      temperature: 1,
      rng: new Rng(0),
      context: createContext(),
    });
    expect(seen).toEqual(new Array(4).fill({ temperature: 1 }));
    expect(pairs.map((p) => [p.rejected, p.chosen])).toEqual([
      // y 25 is above the option's box, x 43 inside: the correction keeps x.
      [formatStep(wrongY), formatStep({ ...wrongY, action: { type: 'click', start: { x: 43, y: 29 } } })],
      [formatStep(wait), formatStep(option)],
    ]);
    expect(pairs[0]).toMatchObject({ goal: 'choose green in the menu', previous: 'click', shot });
  });

  it('gives a state revisited with the same mistake (a greedy loop) one pair', async () => {
    const step = {
      shot,
      previous: 'click' as const,
      text: formatStep(wait),
      action: wait.action,
      expert: option,
      correct: false,
    };
    const episode: Episode = {
      task: { kind: 'dropdown', goal: 'choose green in the menu', html: '', color: 'green' },
      steps: [step, step, { ...step, previous: 'wait' }],
      success: false,
    };
    const drawnAt: string[] = [];
    const responder: Responder = {
      respond: async (obs: readonly Observation[]) => {
        drawnAt.push(...obs.map((o) => o.previous));
        return obs.map(() => say(wait));
      },
    };
    const pairs = await reflectionPairs(responder, [episode], {
      samples: 1,
      temperature: 1,
      rng: new Rng(0),
      context: createContext(),
    });
    // The third step differs in its previous action: a state of its own. Each state is drawn once,
    // and the draw repeats the greedy mistake there.
    expect(drawnAt).toEqual(['click', 'wait']);
    expect(pairs.map((p) => p.previous)).toEqual(['click', 'wait']);
  });

  it('pairs no step after which the page reported success, though it departs from the expert', async () => {
    // Half the named item shows at the list's foot: the expert scrolls, the agent clicks it, and
    // the click does the task.
    const scroll: ExpertStep = {
      thought: 'The red item is below.',
      action: { type: 'scroll', start: { x: 40, y: 20 }, direction: 'down' },
    };
    const click = {
      thought: 'I click the red item.',
      action: { type: 'click', start: { x: 40, y: 30 } },
    } as const;
    const clickStep = (rgb: number) => ({
      shot: { ...shot, rgb: new Uint8Array(64 * 48 * 3).fill(rgb) },
      previous: 'scroll' as const,
      text: formatStep(click),
      action: click.action,
      expert: scroll,
      correct: false,
    });
    const task = { kind: 'scroll', goal: 'click the red item in the list', html: '', color: 'red' } as const;
    const solved: Episode = { task, steps: [clickStep(1), clickStep(2)], success: true };
    const failed: Episode = { task, steps: [clickStep(3)], success: false };
    const responder: Responder = {
      respond: () => {
        throw new Error('not called');
      },
    };
    const o = { samples: 0, temperature: 1, rng: new Rng(0), context: createContext() };
    // The solved episode's first click did not do the task (another step followed): it is paired;
    // its last did, and is not. The failed episode's click is paired.
    const pairs = await reflectionPairs(responder, [solved, failed], o);
    expect(pairs.map((p) => p.shot.rgb[0])).toEqual([1, 3]);
    expect(pairs.every((p) => p.chosen === formatStep(scroll) && p.rejected === formatStep(click))).toBe(
      true,
    );
  });

  it('draws nothing with samples 0 and refuses draws at temperature 0', async () => {
    const responder: Responder = {
      respond: () => {
        throw new Error('not called');
      },
    };
    const o = { samples: 0, temperature: 0, rng: new Rng(0), context: createContext() };
    expect(await reflectionPairs(responder, [], o)).toEqual([]);
    await expect(reflectionPairs(responder, [], { ...o, samples: 2 })).rejects.toThrow(
      /temperature must be above 0/,
    );
  });
});

describe('selectPairs', () => {
  const shot: Screenshot = { width: 1, height: 1, rgb: new Uint8Array(3) };
  const pair = (chosen: string, rejected: string) => ({
    shot,
    goal: 'choose green in the menu',
    previous: 'click' as const,
    chosen,
    rejected,
  });
  const click = (x: number, y: number) => `Thought: I choose green.\nAction: click(start_box='(${x},${y})')`;
  // One option too high (numbers only), one that types where it should click (a decision), one
  // whose point differs in the number of digits (still numbers only).
  const pairs = [
    pair(click(44, 29), click(44, 25)),
    pair(click(44, 29), "Thought: I type cat and press enter.\nAction: type(content='cat\\n')"),
    pair(click(44, 29), click(4, 9)),
  ];
  it("keeps 'action' pairs that differ beyond their numbers and 'points' pairs that differ in them alone", () => {
    expect(selectPairs(pairs, 'action')).toEqual([pairs[1]]);
    expect(selectPairs(pairs, 'points')).toEqual([pairs[0], pairs[2]]);
    expect(selectPairs(pairs, 'all')).toEqual(pairs);
  });
});
