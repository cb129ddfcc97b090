import type { Context } from '@tessera/core';
import type { Rng } from '@tessera/core/rng';
import { type Action, formatStep, type Point, type Step } from '@tessera/gui-agent';
import { type Episode, parseAction, type Responder, sameAction } from './agent.js';
import { type Box, type ExpertStep, GRID, within } from './env.js';
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

/**
 * The expert's step at a state, changed from the agent's `predicted` action only where that was
 * wrong: when the agent chose the expert's kind of action, each coordinate of its points that
 * already falls within the expert's target box along its axis is kept (a choice one menu option too
 * high keeps its x, and the pair differs in y alone). Otherwise the expert's step as it is.
 */
export function correctedStep(expert: ExpertStep, predicted: Action | null): Step {
  const keep = (agent: Point, fix: Point, box: Box | undefined): Point => {
    if (!box) return fix;
    const p = GRID.toPage(agent);
    return { x: within(p.x, box.x, box.w) ? agent.x : fix.x, y: within(p.y, box.y, box.h) ? agent.y : fix.y };
  };
  let action = expert.action;
  if (predicted?.type === action.type && 'start' in predicted && 'start' in action)
    action = { ...action, start: keep(predicted.start, action.start, expert.startBox) };
  if (predicted?.type === 'drag' && action.type === 'drag')
    action = { ...action, end: keep(predicted.end, action.end, expert.endBox) };
  return { thought: expert.thought, action };
}

/**
 * The reflection round's pairs from the agent's own rollouts: at every state it visited, the
 * greedy response it acted on and `samples` responses drawn at `temperature` are judged against the
 * expert's step there (`sameAction`); each distinct wrong one is paired with the expert's step,
 * as `correctedStep` fits it to the wrong one (chosen). The greedy mistakes are the errors it made; the drawn ones are those it was close to
 * making, so the pairs also reach the states where it happened to be right, and there they push
 * the same decision the other way (after a scroll, "click, not scroll again" where the item has
 * come into sight, beside "scroll, not click" where it has not). A state the agent revisits (a
 * greedy loop) is drawn at once, and a mistake repeated there gives its pair once. The greedy
 * mistakes' pairs come first, in the order the agent made them.
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
  // A greedy agent stuck in a loop revisits a state: each distinct state is drawn at once, and each
  // of its mistakes makes one pair.
  type State = Observation & { expert: ExpertStep; key: string };
  const states = new Map<string, State>();
  const wrong: [State, string][] = [];
  for (const ep of rollouts)
    for (const [i, s] of ep.steps.entries()) {
      const key = `${ep.task.goal}\n${s.previous}\n${Buffer.from(s.shot.rgb).toString('base64')}`;
      let state = states.get(key);
      if (!state) {
        state = { shot: s.shot, goal: ep.task.goal, previous: s.previous, expert: s.expert, key };
        states.set(key, state);
      }
      // A step after which the page reported success did the task, whatever the expert would have
      // done there (a click on the named item while half of it shows, where the expert scrolls it
      // fully into sight first): it is not a mistake to pair.
      const solved = ep.success && i === ep.steps.length - 1;
      if (!s.correct && !solved) wrong.push([state, s.text]);
    }
  const distinct = [...states.values()];
  const batch = o.batch ?? 48;
  for (let k = 0; k < o.samples; k++)
    for (let i = 0; i < distinct.length; i += batch) {
      const chunk = distinct.slice(i, i + batch);
      const responses = await policy.respond(chunk, o.context, { temperature: o.temperature, rng: o.rng });
      responses.forEach((ids, j) => {
        const text = decode(ids);
        if (!sameAction(parseAction(text), chunk[j].expert)) wrong.push([chunk[j], text]);
      });
    }
  const pairs = new Map<string, ReflectionPair>();
  for (const [s, rejected] of wrong) {
    const k = `${s.key}\n${rejected}`;
    if (!pairs.has(k))
      pairs.set(k, {
        shot: s.shot,
        goal: s.goal,
        previous: s.previous,
        chosen: formatStep(correctedStep(s.expert, parseAction(rejected))),
        rejected,
      });
  }
  return [...pairs.values()];
}

/** Whether a reflection pair's steps differ beyond their numbers (action kind, thought, text, keys or direction), not in their points only. */
const differsBeyondNumbers = (p: ReflectionPair): boolean =>
  p.chosen.replace(/\d+/g, '#') !== p.rejected.replace(/\d+/g, '#');

/** Which reflection pairs a round trains on (`selectPairs`). */
export type PairSelection = 'all' | 'action' | 'points';

/**
 * The pairs a round trains on (`--dpo-pairs`): 'all'; 'action', those whose steps differ beyond
 * their numbers (a wrong decision); 'points', those that differ in their numbers alone (the right
 * step at the wrong place: grounding errors).
 */
export function selectPairs(pairs: readonly ReflectionPair[], which: PairSelection): ReflectionPair[] {
  if (which === 'all') return [...pairs];
  return pairs.filter((p) => differsBeyondNumbers(p) === (which === 'action'));
}
