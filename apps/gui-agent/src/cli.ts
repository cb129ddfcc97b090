import { parseCommand, usage } from '@tessera/app-kit';

export const COMMAND = {
  name: 'gui-agent',
  summary:
    'a UI-TARS-style GUI agent: collects scripted-expert demonstrations on task pages in headless Chromium, trains a small vision-language policy by behaviour cloning, evaluates it live on held-out layouts, then runs a DPO reflection round and evaluates again (pnpm --filter @tessera/app-gui-agent start -- [options])',
  options: {
    'train-tasks': {
      type: 'number',
      integer: true,
      min: 1,
      default: 50,
      help: 'training layouts per task kind (expert demonstrations)',
    },
    steps: { type: 'number', integer: true, min: 1, default: 800, help: 'behaviour-cloning steps' },
    batch: { type: 'number', integer: true, min: 1, default: 16, help: 'demonstration steps per batch' },
    lr: { type: 'number', min: 0, default: 3e-3, help: 'peak learning rate (AdamW, warmup then cosine)' },
    'eval-tasks': {
      type: 'number',
      integer: true,
      min: 1,
      default: 12,
      help: 'held-out layouts per task kind',
    },
    'reflect-tasks': {
      type: 'number',
      integer: true,
      min: 0,
      default: 8,
      help: 'layouts per task kind the agent runs to collect its mistakes (0: no DPO round)',
    },
    'dpo-steps': { type: 'number', integer: true, min: 1, default: 30, help: 'DPO steps' },
    'dpo-lr': { type: 'number', min: 0, default: 5e-4, help: 'DPO learning rate' },
    beta: { type: 'number', min: 0, default: 0.1, help: 'DPO β' },
    'sft-weight': {
      type: 'number',
      min: 0,
      default: 0.2,
      help: "weight of the chosen steps' cross-entropy added to the DPO loss",
    },
    seed: { type: 'number', integer: true, min: 0, default: 0, help: 'seed' },
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
  steps: number;
  batch: number;
  lr: number;
  evalTasks: number;
  reflectTasks: number;
  dpoSteps: number;
  dpoLr: number;
  beta: number;
  sftWeight: number;
  seed: number;
  out: string;
  quiet: boolean;
}

export function parseCli(argv: readonly string[], defaultOut: string): CliOptions & { help: boolean } {
  const o = parseCommand(COMMAND, argv);
  return {
    trainTasks: o['train-tasks'],
    steps: o.steps,
    batch: o.batch,
    lr: o.lr,
    evalTasks: o['eval-tasks'],
    reflectTasks: o['reflect-tasks'],
    dpoSteps: o['dpo-steps'],
    dpoLr: o['dpo-lr'],
    beta: o.beta,
    sftWeight: o['sft-weight'],
    seed: o.seed,
    out: o.out ?? defaultOut,
    quiet: o.quiet,
    help: o.help,
  };
}
