import type { Context } from '@tessera/core';
import type { Rng } from '@tessera/core/rng';
import { type Action, formatStep, type Point, parseStep, type Step } from '@tessera/gui-agent';
import { type Episode, type Responder, sameAction } from './agent.js';
import { type Box, type ExpertStep, GRID } from './env.js';
import type { Observation } from './policy.js';
import { decode } from './tokenizer.js';
import type { ReflectionPair } from './train.js';

export interface ReflectionOptions {
  /** Responses drawn per visited state beside the greedy one (0: the greedy mistakes only). */
  samples: number;
  /** Their temperature (above 0). */
  temperature: number;
  rng: Rng;
  context: Context;
  /** States per generation batch. */
  batch?: number;
}

const parsed = (text: string): Action | null => {
  try {
    return parseStep(text).action;
  } catch {
    return null;
  }
};

/**
 * The expert's step at a state, changed from the agent's `predicted` action only where that was
 * wrong: when the agent chose the expert's kind of action, each coordinate of its points that
 * already falls within the expert's target box along its axis is kept (a choice one menu option too
 * high keeps its x, and the pair differs in y alone). Otherwise the expert's step as it is.
 */
export function correctedStep(expert: ExpertStep, predicted: Action | null): Step {
  const e = expert.action;
  const step = { thought: expert.thought, action: e };
  if (!predicted || predicted.type !== e.type) return step;
  const keep = (agent: Point, fix: Point, box: Box | undefined): Point => {
    if (!box) return fix;
    const p = GRID.toPage(agent);
    return {
      x: p.x >= box.x && p.x <= box.x + box.w ? agent.x : fix.x,
      y: p.y >= box.y && p.y <= box.y + box.h ? agent.y : fix.y,
    };
  };
  if (e.type === 'drag' && predicted.type === 'drag')
    return {
      ...step,
      action: {
        ...e,
        start: keep(predicted.start, e.start, expert.startBox),
        end: keep(predicted.end, e.end, expert.endBox),
      },
    };
  if ('start' in e && 'start' in predicted)
    return { ...step, action: { ...e, start: keep(predicted.start, e.start, expert.startBox) } };
  return step;
}

/**
 * The reflection round's pairs from the agent's own rollouts: at every state it visited, the
 * greedy response it acted on and `samples` responses drawn at `temperature` are judged against the
 * expert's step there (`sameAction`); each distinct wrong one is paired with the expert's step,
 * as `correctedStep` fits it to the wrong one (chosen). The greedy mistakes are the errors it made; the drawn ones are those it was close to
 * making, so the pairs also reach the states where it happened to be right, and there they push
 * the same decision the other way (after a scroll, "click, not scroll again" where the item has
 * come into sight, beside "scroll, not click" where it has not). A state the agent revisits with the
 * same mistake (a greedy loop) gives its pair once.
 */
export async function reflectionPairs(
  policy: Responder,
  rollouts: readonly Episode[],
  o: ReflectionOptions,
): Promise<ReflectionPair[]> {
  if (o.samples > 0 && !(o.temperature > 0))
    throw new Error(
      `gui-agent reflectionPairs: temperature must be above 0 to draw samples, got ${o.temperature}`,
    );
  const states: (Observation & { expert: ExpertStep; wrong: Set<string> })[] = rollouts.flatMap((ep) =>
    ep.steps.map((s) => ({
      shot: s.shot,
      goal: ep.task.goal,
      previous: s.previous,
      expert: s.expert,
      wrong: new Set(s.correct ? [] : [s.text]),
    })),
  );
  const batch = o.batch ?? 48;
  for (let k = 0; k < o.samples; k++)
    for (let i = 0; i < states.length; i += batch) {
      const chunk = states.slice(i, i + batch);
      const responses = await policy.respond(chunk, o.context, {
        temperature: o.temperature,
        rng: o.rng,
      });
      responses.forEach((ids, j) => {
        const text = decode(ids);
        if (!sameAction(parsed(text), chunk[j].expert)) chunk[j].wrong.add(text);
      });
    }
  // A greedy agent stuck in a loop repeats a state and its mistake: each pair once.
  const pairs = new Map<string, ReflectionPair>();
  for (const s of states)
    for (const rejected of s.wrong) {
      const key = `${s.goal}\n${s.previous}\n${rejected}\n${Buffer.from(s.shot.rgb).toString('base64')}`;
      if (!pairs.has(key))
        pairs.set(key, {
          shot: s.shot,
          goal: s.goal,
          previous: s.previous,
          chosen: formatStep(correctedStep(s.expert, parsed(rejected))),
          rejected,
        });
    }
  return [...pairs.values()];
}
