/**
 * Short diagnostic trainings, not part of the app: trains on the question types listed (or with the
 * type weights given), then scores held-out and seen-pair questions of those types and, with the
 * image-token loss, how well its heads read the colour and shape of held-out object tokens. From
 * apps/vlm, e.g.:
 *
 *   DIAG='{"steps":150,"types":["shape"],"phrasing":"name-last","config":{"tokenLoss":1}}' \
 *     nice -n 5 npx tsx --conditions=@tessera/source src/diagnose.ts
 *
 * Fields: steps (150), batch (24), lr (3e-3), more (3 further questions per picture), phrasing,
 * types, weights (per type, overriding types), oneObjectSteps, grounding (grounding questions per
 * picture, 0), seed (0), config (VlmConfig fields, e.g. imageCoords), eval (200).
 */
import { createContext, manualSeed } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { DEFAULT_CONFIG, makeBatch, VOCAB } from './model.js';
import { type Phrasing, QUESTION_TYPES, type QuestionType, randomExample } from './scenes.js';
import { evaluate, trainModel } from './train.js';

const a = JSON.parse(process.env.DIAG ?? '{}');
const steps: number = a.steps ?? 150;
const phrasing: Phrasing = a.phrasing ?? 'natural';
const types: QuestionType[] = a.types ?? [...QUESTION_TYPES];
const w = Object.fromEntries(QUESTION_TYPES.map((t) => [t, a.weights?.[t] ?? (types.includes(t) ? 1 : 0)]));
const config = { ...DEFAULT_CONFIG, ...(a.config ?? {}) };
const context = createContext();
manualSeed(a.seed ?? 0, context);
const cpu0 = process.cpuUsage();
const cpuSeconds = () => {
  const u = process.cpuUsage(cpu0);
  return (u.user + u.system) / 1e6;
};
const { model, losses } = await trainModel(config, {
  steps,
  batch: a.batch ?? 24,
  lr: a.lr ?? 3e-3,
  layout: { rowTokens: true, order: 'image-first' },
  lossOn: 'answers',
  moreQuestions: a.more ?? 3,
  phrasing,
  typeWeights: w as Record<QuestionType, number>,
  oneObjectSteps: a.oneObjectSteps ?? 0,
  grounding: a.grounding ?? 0,
  seed: a.seed ?? 0,
  device: 'cpu',
  context,
  onStep: (s, l) => {
    if (s % 25 === 0) console.log(`step ${s} loss ${l.toFixed(3)} cpu ${cpuSeconds().toFixed(0)}`);
  },
});
const cpu = cpuSeconds();
const rng = new Rng(1_000_003);
const pick = (held: boolean, n: number) => {
  const out = [];
  while (out.length < n) {
    const ex = randomExample(rng, held, { phrasing });
    if ((types as string[]).includes(ex.question.type)) out.push(ex);
  }
  return out;
};
const where = { layout: { rowTokens: true, order: 'image-first' as const }, device: 'cpu', context };
const held = await evaluate(model, pick(true, a.eval ?? 200), where, VOCAB);
const seen = await evaluate(model, pick(false, a.eval ?? 200), where, VOCAB);
const f = (e: typeof held) =>
  [...types, 'overall'].map((t) => `${t} ${(100 * e.accuracy[t as QuestionType]).toFixed(1)}`).join(', ');
const last = losses.slice(-25).reduce((x, y) => x + y, 0) / 25;
console.log(
  `RESULT ${JSON.stringify(a)} cpu ${cpu.toFixed(0)} (${(cpu / steps).toFixed(2)}/step) loss ${last.toFixed(3)}`,
);
console.log(`  held-out: ${f(held)}\n  seen: ${f(seen)}`);
if (model.shapeHead && model.colourHead) {
  const b = makeBatch(pick(true, 64), model.config, where.layout, { context, device: 'cpu' });
  const { tokens } = model.tower.forward(b.images);
  const sh = Array.from(await model.shapeHead.forward(tokens).argmax(-1).data());
  const co = Array.from(await model.colourHead.forward(tokens).argmax(-1).data());
  let ns = 0,
    cs = 0,
    cc = 0;
  b.tokenShape.forEach((t, i) => {
    if (t > 0) {
      ns++;
      if (sh[i] === t) cs++;
      if (co[i] === b.tokenColour[i]) cc++;
    }
  });
  console.log(
    `  token heads on held-out object tokens: shape ${((100 * cs) / ns).toFixed(1)}%, colour ${((100 * cc) / ns).toFixed(1)}% of ${ns}`,
  );
}
