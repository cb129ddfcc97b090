import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { contextOn, trainingStatus } from '@tessera/app-kit';
import { manualSeed } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import type { CliOptions } from './cli.js';
import { DEFAULT_CONFIG, VOCAB } from './model.js';
import { examplesPage } from './report.js';
import {
  QUESTION_TYPES,
  randomExample,
  type Scene,
  squareResized,
  unseenAttributeExample,
} from './scenes.js';
import { type Evaluation, evaluate, trainModel } from './train.js';

type Progress = (label: string, done: number, total: number, info?: string) => void;

/** CPU seconds (user + system) of this process since `from`. */
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export interface RunResult {
  native: Evaluation;
  squareFed: Evaluation;
  seen: Evaluation;
  squareModel?: Evaluation;
  trainWallSeconds: number;
  trainCpuSeconds: number;
}

export async function run(
  o: CliOptions,
  log: (line: string) => void,
  progress?: Progress,
): Promise<RunResult> {
  const context = await contextOn(o.device, { log });
  manualSeed(o.seed, context);
  const config = {
    ...DEFAULT_CONFIG,
    vitDim: o.vitDim,
    vitHeads: Math.max(1, o.vitDim / 16),
    layers: o.layers,
    positions: o.positions,
    imagePositions: o.imagePositions,
    imageCoords: o.imageCoords,
    tokenLoss: o.tokenLoss,
  };
  const rng = new Rng(o.seed + 1_000_003);
  // The phrasing changes only the words: every phrasing is scored on the same pictures and questions.
  const phrasing = { phrasing: o.phrasing };
  const heldOut = Array.from({ length: o.heldOut }, () => randomExample(rng, true, phrasing));
  const seen = Array.from({ length: 300 }, () => randomExample(rng, false, phrasing));
  const unseenAttribute = Array.from({ length: 100 }, () => unseenAttributeExample(rng, o.phrasing));
  const square = (s: Scene) => squareResized(s, o.squareSide);
  const layout = { rowTokens: o.rowTokens, order: o.order };
  const where = { layout, device: o.device, context };
  log(
    `model: ViT ${config.vitLayers}×${config.vitDim} (patch ${config.patch}), pixel-shuffle projector → decoder ${config.layers}×${config.dim} with ${config.experts} experts top-${config.topK} + ${config.sharedExperts} shared; ${o.order}, decoder positions ${config.positions}, image (row, column) vectors ${config.imagePositions}, image (x, y) signal ${config.imageCoords ? 'on' : 'off'}, image-token loss ${config.tokenLoss}; ${o.phrasing} questions; ${o.steps} steps of ${o.batch} pictures × ${o.questions} questions + ${o.grounding} grounding${o.oneObjectSteps ? `, the first ${o.oneObjectSteps} with one object` : ''}`,
  );

  const train = async (label: string, view?: (s: Scene) => Scene) => {
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { model, losses } = await trainModel(config, {
      steps: o.steps,
      batch: o.batch,
      lr: o.lr,
      layout,
      lossOn: o.lossOn,
      moreQuestions: o.questions - 1,
      phrasing: o.phrasing,
      typeWeights: o.typeWeights,
      oneObjectSteps: o.oneObjectSteps,
      grounding: o.grounding,
      seed: o.seed,
      device: o.device,
      context,
      view,
      onStep: (step, loss) =>
        progress?.(
          label,
          step,
          o.steps,
          trainingStatus(loss, (step * o.batch) / ((performance.now() - t0) / 1000), 'pictures'),
        ),
    });
    const wall = (performance.now() - wall0) / 1000;
    const cpu = cpuSeconds(cpu0);
    log(
      `${label}: trained in ${wall.toFixed(0)} s wall, ${cpu.toFixed(0)} CPU-s (load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(
          ' ',
        )}); last-50-step loss ${(losses.slice(-50).reduce((a, b) => a + b, 0) / Math.min(50, losses.length)).toFixed(3)}`,
    );
    return { model, wall, cpu };
  };

  const native = await train('native');
  const resultNative = await evaluate(native.model, heldOut, where, VOCAB);
  const resultSquareFed = await evaluate(native.model, heldOut, { ...where, view: square }, VOCAB);
  const resultSeen = await evaluate(native.model, seen, where, VOCAB);
  const resultUnseenAttribute = await evaluate(native.model, unseenAttribute, where, VOCAB);
  let resultSquareModel: Evaluation | undefined;
  if (o.squareModel) {
    const sq = await train('square', square);
    resultSquareModel = await evaluate(sq.model, heldOut, { ...where, view: square }, VOCAB);
    sq.model.dispose();
  }

  const columns: [string, Evaluation | undefined][] = [
    ['native (held-out)', resultNative],
    [`fed ${o.squareSide}×${o.squareSide} (held-out)`, resultSquareFed],
    ['square-trained (held-out)', resultSquareModel],
    ['native (seen pairs)', resultSeen],
  ];
  const shown = columns.filter((c): c is [string, Evaluation] => c[1] !== undefined);
  log('');
  log(`| question | n | ${shown.map((c) => c[0]).join(' | ')} |`);
  log(`|---|---|${shown.map(() => '---').join('|')}|`);
  for (const t of [...QUESTION_TYPES, 'overall'] as const) {
    const n = t === 'overall' ? heldOut.length : resultNative.counts[t];
    log(`| ${t} | ${n} | ${shown.map((c) => pct(c[1].accuracy[t])).join(' | ')} |`);
  }
  log('');
  log(
    `diagnostic, not scored: colour or shape of the unseen object itself (a pair training never shows): ${pct(resultUnseenAttribute.accuracy.overall)} of ${unseenAttribute.length}`,
  );
  resultNative.expertLoad.forEach((shares, layer) => {
    log(`decoder layer ${layer} expert load (held-out, native): ${shares.map(pct).join(' ')}`);
  });

  mkdirSync(o.out, { recursive: true });
  const rows = heldOut.slice(0, 40).map((example, i) => ({
    example,
    native: resultNative.predictions[i],
    square: resultSquareFed.predictions[i],
    squareScene: square(example.scene),
  }));
  const summary = `Held-out accuracy ${pct(resultNative.accuracy.overall)} with native-resolution pictures, ${pct(
    resultSquareFed.accuracy.overall,
  )} when the same model is fed ${o.squareSide}×${o.squareSide} resized pictures. Held-out pairs never appear in training pictures.`;
  writeFileSync(
    join(o.out, 'examples.html'),
    examplesPage('Kimi-VL-style VLM: held-out examples', summary, rows),
  );
  writeFileSync(
    join(o.out, 'results.json'),
    `${JSON.stringify(
      {
        // The output folder relative to where the app ran, so the record does not name this machine's paths.
        options: { ...o, out: relative(process.cwd(), o.out) || '.' },
        config,
        trainWallSeconds: native.wall,
        trainCpuSeconds: native.cpu,
        loadAverage: loadavg(),
        native: {
          accuracy: resultNative.accuracy,
          counts: resultNative.counts,
          expertLoad: resultNative.expertLoad,
        },
        squareFed: { accuracy: resultSquareFed.accuracy },
        squareModel: resultSquareModel ? { accuracy: resultSquareModel.accuracy } : undefined,
        seen: { accuracy: resultSeen.accuracy },
        unseenAttribute: { accuracy: resultUnseenAttribute.accuracy },
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${join(o.out, 'examples.html')} and results.json`);
  native.model.dispose();
  return {
    native: resultNative,
    squareFed: resultSquareFed,
    seen: resultSeen,
    squareModel: resultSquareModel,
    trainWallSeconds: native.wall,
    trainCpuSeconds: native.cpu,
  };
}
