import type { Context } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { type Action, formatStep, parseStep } from '@tessera/gui-agent';
import type { SampleOptions } from '@tessera/transformer';
import type { Browser } from 'playwright-core';
import {
  type Box,
  type ExpertStep,
  GRID,
  GuiEnv,
  inside,
  isClickLike,
  nearMiss,
  type Screenshot,
} from './env.js';
import type { Observation, PreviousAction } from './policy.js';
import { makeTask, SINGLE_STEP_KINDS, type Task, type TaskKind } from './tasks.js';
import { decode } from './tokenizer.js';

/** One demonstration step: what the agent saw (and did last) and the expert's answer. */
export interface Sample extends Observation {
  kind: TaskKind;
  /** The expert's `Thought: … Action: …`. */
  text: string;
  /** The page box the expert's click-like action aims at (for offline grounding checks). */
  box?: Box;
}

/** `perKind` task layouts of every kind drawn from `seed` (kinds interleaved, so any prefix mixes them). */
export function drawTasks(kinds: readonly TaskKind[], perKind: number, seed: number): Task[] {
  const rng = new Rng(seed);
  const tasks: Task[] = [];
  for (let i = 0; i < perKind; i++) for (const kind of kinds) tasks.push(makeTask(kind, rng));
  return tasks;
}

/**
 * One expert episode on `task`, to success: every step's screenshot, goal, previous action and
 * expert answer (with `variants`, also under the goals naming the target's visible siblings, on the
 * same screenshot). With `missAt`, the expert's step at that index is replaced by its `nearMiss`, and
 * only the steps after it are recorded: the states a slightly wrong action leads to, each labelled
 * with the expert's recovery. No samples when that step has no near miss.
 */
async function expertEpisode(
  browser: Browser,
  task: Task,
  variants: boolean,
  missAt?: { step: number; rng: Rng },
): Promise<Sample[]> {
  const samples: Sample[] = [];
  const env = await GuiEnv.open(browser, task);
  try {
    let previous: PreviousAction = 'none';
    let recording = missAt === undefined;
    for (let step = 0; step < 8 && !(await env.success()); step++) {
      const shot = await env.screenshot();
      const expert = await env.expert();
      const { kind } = task;
      if (recording) {
        samples.push({
          kind,
          goal: task.goal,
          previous,
          shot,
          text: formatStep(expert),
          box: expert.startBox,
        });
        if (variants)
          for (const v of await env.variants(expert))
            samples.push({
              kind,
              goal: v.goal,
              previous,
              shot,
              text: formatStep(v.step),
              box: v.step.startBox,
            });
      }
      let action = expert.action;
      if (missAt && step === missAt.step) {
        const miss = nearMiss(expert, missAt.rng);
        if (!miss) return [];
        action = miss;
        recording = true;
      }
      await env.act(action);
      previous = action.type;
    }
    if (!(await env.success())) throw new Error(`gui-agent: the expert did not solve '${task.goal}'`);
  } finally {
    await env.close();
  }
  return samples;
}

/** `items` through `f`, `parallel` at a time (each page its own renderer), the results kept in order. */
async function inChunks<T>(
  items: readonly T[],
  f: (item: T) => Promise<Sample[]>,
  parallel: number,
  onDone?: (done: number, total: number) => void,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let start = 0; start < items.length; start += parallel) {
    const chunk = await Promise.all(items.slice(start, start + parallel).map(f));
    samples.push(...chunk.flat());
    onDone?.(Math.min(start + parallel, items.length), items.length);
  }
  return samples;
}

/**
 * Runs each task's expert to success, recording every step it takes; with `variants`, each click
 * on the target also under the goals naming its visible siblings (`GuiEnv.variants`), on the same
 * screenshot. `parallel` pages run at a time.
 */
export function collectDemos(
  browser: Browser,
  tasks: readonly Task[],
  onTask?: (done: number, total: number) => void,
  variants = false,
  parallel = 4,
): Promise<Sample[]> {
  return inChunks(tasks, (task) => expertEpisode(browser, task, variants), parallel, onTask);
}

/**
 * Recovery demonstrations for the multi-step tasks among `tasks`: for each, two expert episodes,
 * one whose first step is a near miss and one whose second is (`nearMiss`), each recorded from the
 * miss on. Behaviour cloning then sees states the plain demonstrations never reach (a click that
 * left the field unfocused, the wrong option chosen, a click before the item is in sight) where the
 * previous action is the same as on the expert's own path and only the screenshot tells the right
 * step: after a click, type into a focused field but click an unfocused one again.
 */
export function collectRecoveries(
  browser: Browser,
  tasks: readonly Task[],
  seed: number,
  onEpisode?: (done: number, total: number) => void,
  parallel = 4,
): Promise<Sample[]> {
  const rng = new Rng(seed);
  const runs = tasks
    .filter((t) => !(SINGLE_STEP_KINDS as readonly string[]).includes(t.kind))
    .flatMap((task) => [0, 1].map((step) => ({ task, missAt: { step, rng: rng.fork() } })));
  return inChunks(runs, (r) => expertEpisode(browser, r.task, false, r.missAt), parallel, onEpisode);
}

/** The action of a model's `Thought: … Action: …` text, or null when it does not parse. */
export function parseAction(text: string): Action | null {
  try {
    return parseStep(text).action;
  } catch {
    return null;
  }
}

const KEY_ALIASES: Record<string, string> = { escape: 'esc', control: 'ctrl', return: 'enter' };
const sameKeys = (a: string[], b: string[]) =>
  a.map((k) => KEY_ALIASES[k] ?? k).join(' ') === b.map((k) => KEY_ALIASES[k] ?? k).join(' ');

/** Whether a predicted action does what the expert's does: same kind, points inside the boxes the expert aims at, same text, keys or direction. */
export function sameAction(predicted: Action | null, expert: ExpertStep): boolean {
  const e = expert.action;
  if (!predicted || predicted.type !== e.type) return false;
  if ('start' in predicted && !inside(GRID.toPage(predicted.start), expert.startBox)) return false;
  if (predicted.type === 'drag' && !inside(GRID.toPage(predicted.end), expert.endBox)) return false;
  if (predicted.type === 'type' && e.type === 'type') return predicted.content === e.content;
  if (predicted.type === 'hotkey' && e.type === 'hotkey') return sameKeys(predicted.keys, e.keys);
  if (predicted.type === 'scroll' && e.type === 'scroll') return predicted.direction === e.direction;
  return true;
}

/** One step of an evaluated episode, for the metrics and the trace viewer. */
export interface TraceStep {
  shot: Screenshot;
  /** The kind of the agent's previous action in this episode, as its prompt gave it. */
  previous: PreviousAction;
  /** The model's raw text. */
  text: string;
  /** Its parsed action, or null when the text does not parse. */
  action: Action | null;
  expert: ExpertStep;
  correct: boolean;
}

export interface Episode {
  task: Task;
  steps: TraceStep[];
  success: boolean;
}

/**
 * Runs the policy live on each task: screenshot, generate, parse, act (real events), until the
 * page reports success or `budget(task)` steps are spent. Episodes run in lockstep, `parallel` pages
 * at a time, so each step's generation is one batch.
 */
export async function runEpisodes(
  browser: Browser,
  policy: Responder,
  ctx: Context,
  tasks: readonly Task[],
  budget: (task: Task) => number,
  parallel = 24,
  onEpisode?: (done: number) => void,
): Promise<Episode[]> {
  const episodes: Episode[] = [];
  for (let start = 0; start < tasks.length; start += parallel) {
    const chunk = tasks.slice(start, start + parallel);
    const envs = await Promise.all(chunk.map((t) => GuiEnv.open(browser, t)));
    const eps: Episode[] = chunk.map((task) => ({ task, steps: [], success: false }));
    try {
      for (;;) {
        const active = eps
          .map((_, i) => i)
          .filter((i) => !eps[i].success && eps[i].steps.length < budget(chunk[i]));
        if (active.length === 0) break;
        const shots: Screenshot[] = [];
        for (const i of active) shots.push(await envs[i].screenshot());
        const previous = (i: number): PreviousAction => eps[i].steps.at(-1)?.action?.type ?? 'none';
        const responses = await policy.respond(
          active.map((i, j) => ({ shot: shots[j], goal: chunk[i].goal, previous: previous(i) })),
          ctx,
        );
        for (const [j, i] of active.entries()) {
          const env = envs[i];
          const expert = await env.expert();
          const text = decode(responses[j]);
          const action = parseAction(text);
          eps[i].steps.push({
            shot: shots[j],
            previous: previous(i),
            text,
            action,
            expert,
            correct: sameAction(action, expert),
          });
          if (action) await env.act(action);
          eps[i].success = await env.success();
        }
      }
    } finally {
      await Promise.all(envs.map((e) => e.close()));
    }
    episodes.push(...eps);
    onEpisode?.(episodes.length);
  }
  return episodes;
}

/** What runs an episode: anything that answers observations with response tokens (a `GuiPolicy`, or a scripted baseline). */
export interface Responder {
  /** Greedy responses, or drawn ones when `sampling` has a temperature above 0. */
  respond(
    observations: readonly Observation[],
    ctx: Context,
    sampling?: SampleOptions & { rng: Rng },
  ): Promise<number[][]>;
}

export interface Metrics {
  /** Expert click-like steps whose predicted point landed inside the target's box. */
  grounding: number;
  groundingSteps: number;
  /** Steps whose predicted action matched the expert's (see `sameAction`). */
  stepAccuracy: number;
  steps: number;
  /** Single-step tasks solved by the first action. */
  singleStepSuccess: number;
  singleStepEpisodes: number;
  /** Multi-step tasks solved within their budget. */
  multiStepSuccess: number;
  multiStepEpisodes: number;
  /** Success per task kind. */
  byKind: Record<string, number>;
}

export function metrics(episodes: readonly Episode[]): Metrics {
  const steps = episodes.flatMap((e) => e.steps);
  const grounded = steps.filter((s) => isClickLike(s.expert.action));
  const hit = grounded.filter(
    (s) => s.action && 'start' in s.action && inside(GRID.toPage(s.action.start), s.expert.startBox),
  );
  const single = episodes.filter((e) => (SINGLE_STEP_KINDS as readonly string[]).includes(e.task.kind));
  const multi = episodes.filter((e) => !(SINGLE_STEP_KINDS as readonly string[]).includes(e.task.kind));
  const rate = (xs: readonly Episode[]) => (xs.length ? xs.filter((e) => e.success).length / xs.length : 0);
  const kinds = [...new Set(episodes.map((e) => e.task.kind))];
  return {
    grounding: grounded.length ? hit.length / grounded.length : 0,
    groundingSteps: grounded.length,
    stepAccuracy: steps.length ? steps.filter((s) => s.correct).length / steps.length : 0,
    steps: steps.length,
    singleStepSuccess: rate(single),
    singleStepEpisodes: single.length,
    multiStepSuccess: rate(multi),
    multiStepEpisodes: multi.length,
    byKind: Object.fromEntries(kinds.map((k) => [k, rate(episodes.filter((e) => e.task.kind === k))])),
  };
}

/** Step budget: one action for single-step tasks (so success means the first action solved it), five otherwise. */
export const budget = (task: Task): number =>
  (SINGLE_STEP_KINDS as readonly string[]).includes(task.kind) ? 1 : 5;
