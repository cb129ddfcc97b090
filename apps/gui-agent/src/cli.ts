import { parseCommand, usage } from '@tessera/app-kit';
import type { PairSelection } from './reflect.js';
import { TASK_KINDS, type TaskKind } from './tasks.js';

export const COMMAND = {
  name: 'gui-agent',
  summary:
    'a UI-TARS-style GUI agent: collects scripted-expert demonstrations on task pages in headless Chromium, trains a small vision-language policy by behaviour cloning, evaluates it live on held-out layouts, then runs a DPO reflection round and evaluates again (pnpm --filter @tessera/app-gui-agent start -- [options])',
  options: {
    'train-tasks': {
      type: 'number',
      integer: true,
      min: 1,
      default: 200,
      help: 'training layouts per task kind (expert demonstrations)',
    },
    demos: {
      type: 'string',
      choices: ['variants', 'plain'] as const,
      default: 'variants',
      help: "'variants': each expert click on a target is also recorded under the goals naming its visible siblings (the same screenshot, another colour word and point); 'plain': the expert's steps only",
    },
    'recovery-tasks': {
      type: 'number',
      integer: true,
      min: 0,
      default: 100,
      help: "training layouts per multi-step kind (the first ones, at most --train-tasks) also run with a near miss in place of the expert's first or second step, the expert's recovery recorded from there (DART-style demonstrations; 0: none)",
    },
    steps: { type: 'number', integer: true, min: 1, default: 1200, help: 'behaviour-cloning steps' },
    batch: { type: 'number', integer: true, min: 1, default: 16, help: 'demonstration steps per batch' },
    lr: { type: 'number', min: 0, default: 3e-3, help: 'peak learning rate (AdamW, warmup then cosine)' },
    perception: {
      type: 'number',
      min: 0,
      default: 1,
      help: "weight of behaviour cloning's perception loss: each image token predicts its square's colour mix, read off the screenshot (0: none)",
    },
    'eval-tasks': {
      type: 'number',
      integer: true,
      min: 1,
      default: 20,
      help: 'held-out layouts per task kind',
    },
    'reflect-tasks': {
      type: 'number',
      integer: true,
      min: 0,
      default: 20,
      help: 'layouts per task kind the agent runs to collect its mistakes (0: no DPO round)',
    },
    'reflect-samples': {
      type: 'number',
      integer: true,
      min: 0,
      default: 0,
      help: 'responses drawn at each state the reflection rollouts visit, beside the greedy one the agent acted on; each distinct wrong one makes a pair too (0: the greedy mistakes only)',
    },
    'reflect-temperature': {
      type: 'number',
      min: 0,
      default: 1,
      help: 'temperature of those drawn responses',
    },
    'dpo-steps': { type: 'number', integer: true, min: 1, default: 30, help: 'DPO steps' },
    'dpo-lr': { type: 'number', min: 0, default: 5e-5, help: 'DPO learning rate' },
    beta: { type: 'number', min: 0, default: 0.1, help: 'DPO β' },
    'dpo-loss': {
      type: 'string',
      choices: ['sigmoid', 'ipo', 'hinge', 'robust'] as const,
      default: 'sigmoid',
      help: "the preference loss of the round (@tessera/preference's dpoLoss): 'sigmoid' (DPO), 'ipo' (squared distance of the per-token log-ratio margin from 1/(2β)), 'hinge', 'robust'",
    },
    'dpo-pairs': {
      type: 'string',
      choices: ['all', 'action', 'points'] as const,
      default: 'action',
      help: "which wrong steps make pairs: 'all'; 'action' (only those that differ from the expert's step beyond its numbers: wrong action kind, thought, text, keys or direction); 'points' (only those that differ in their numbers alone: the right action at the wrong place, grounding errors)",
    },
    'dpo-coordinates': {
      type: 'boolean',
      help: "score the coordinate tokens in the DPO term too (by default DPO scores the thought and action text only; the chosen steps' cross-entropy still trains the coordinates)",
    },
    'dpo-tokens': {
      type: 'string',
      choices: ['all', 'first-difference'] as const,
      default: 'all',
      help: "which response tokens the DPO term scores: 'all' (less the coordinates without --dpo-coordinates), or 'first-difference': only the first token where the wrong step departs from the corrected one, in both",
    },
    'dpo-replay': {
      type: 'number',
      integer: true,
      min: 0,
      default: 16,
      help: 'demonstration steps per DPO step replayed in the cross-entropy term beside the chosen steps (0: the chosen steps only)',
    },
    'dpo-anchor': {
      type: 'number',
      min: 0,
      default: 0,
      help: "weight of a KL term that holds the policy's next-token distributions where they were at the reflection rollouts' right steps (the agent's own responses; --dpo-replay of them per step; 0: none)",
    },
    'sft-weight': {
      type: 'number',
      min: 0,
      default: 1,
      help: 'weight of the cross-entropy (chosen steps and replayed demonstrations) added to the DPO loss',
    },
    kinds: {
      type: 'string',
      help: `task kinds to train and evaluate on, comma-separated (default all: ${TASK_KINDS.join(',')})`,
    },
    seed: { type: 'number', integer: true, min: 0, default: 0, help: 'seed' },
    'load-model': {
      type: 'string',
      help: 'start from these weights (a bc-model.safetensors an earlier run wrote) instead of behaviour cloning',
    },
    out: {
      type: 'string',
      help: 'where results, the trace viewer and the demonstration cache go (default ./out)',
    },
    quiet: { type: 'boolean', help: 'no progress bars' },
  },
} as const;

export const USAGE = usage(COMMAND);

export interface CliOptions {
  trainTasks: number;
  variants: boolean;
  recoveryTasks: number;
  steps: number;
  batch: number;
  lr: number;
  perception: number;
  evalTasks: number;
  reflectTasks: number;
  reflectSamples: number;
  reflectTemperature: number;
  dpoSteps: number;
  dpoLr: number;
  beta: number;
  dpoLoss: 'sigmoid' | 'ipo' | 'hinge' | 'robust';
  sftWeight: number;
  dpoReplay: number;
  dpoAnchor: number;
  dpoPairs: PairSelection;
  dpoCoordinates: boolean;
  dpoTokens: 'all' | 'first-difference';
  loadModel: string | undefined;
  kinds: TaskKind[];
  seed: number;
  out: string;
  quiet: boolean;
}

export function parseCli(argv: readonly string[], defaultOut: string): CliOptions & { help: boolean } {
  const o = parseCommand(COMMAND, argv);
  return {
    trainTasks: o['train-tasks'],
    variants: o.demos === 'variants',
    recoveryTasks: o['recovery-tasks'],
    steps: o.steps,
    batch: o.batch,
    lr: o.lr,
    perception: o.perception,
    evalTasks: o['eval-tasks'],
    reflectTasks: o['reflect-tasks'],
    reflectSamples: o['reflect-samples'],
    reflectTemperature: o['reflect-temperature'],
    dpoSteps: o['dpo-steps'],
    dpoLr: o['dpo-lr'],
    beta: o.beta,
    dpoLoss: o['dpo-loss'],
    sftWeight: o['sft-weight'],
    dpoReplay: o['dpo-replay'],
    dpoAnchor: o['dpo-anchor'],
    dpoPairs: o['dpo-pairs'],
    dpoCoordinates: o['dpo-coordinates'],
    dpoTokens: o['dpo-tokens'],
    loadModel: o['load-model'],
    kinds: parseKinds(o.kinds),
    seed: o.seed,
    out: o.out ?? defaultOut,
    quiet: o.quiet,
    help: o.help,
  };
}

/** `--kinds` → task kinds (all when absent); an unknown name is an error that lists the known ones. */
function parseKinds(list: string | undefined): TaskKind[] {
  if (list === undefined) return [...TASK_KINDS];
  const kinds = list.split(',').map((k) => k.trim());
  for (const k of kinds)
    if (!(TASK_KINDS as readonly string[]).includes(k))
      throw new Error(`gui-agent --kinds: unknown task kind '${k}' (known: ${TASK_KINDS.join(', ')})`);
  return kinds as TaskKind[];
}
