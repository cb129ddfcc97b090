import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, manualSeed } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { deserialize, serializeAsync } from '@tessera/nn';
import { renderLineChartPng } from '@tessera/plot';
import {
  budget,
  collectDemos,
  collectRecoveries,
  drawTasks,
  type Episode,
  type Metrics,
  metrics,
  runEpisodes,
  type Sample,
} from './agent.js';
import type { CliOptions } from './cli.js';
import { launchBrowser } from './env.js';
import { DEFAULT_POLICY, GuiPolicy } from './policy.js';
import { reflectionPairs, selectPairs } from './reflect.js';
import { traceViewer } from './report.js';
import { behaviourCloning, dpoRound, preferredShare } from './train.js';

type Progress = (label: string, done: number, total: number, info?: string) => void;

/** CPU seconds (user + system) of this process since `from` (Chromium's own processes not included). */
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Demonstrations cached as JSON (screenshots base64), keyed by the layouts' seed and count. */
function loadOrCollect(
  path: string,
  key: string,
  collect: () => Promise<Sample[]>,
): Promise<Sample[]> | Sample[] {
  if (existsSync(path)) {
    const cached = JSON.parse(readFileSync(path, 'utf8')) as {
      key: string;
      samples: (Omit<Sample, 'shot'> & { shot: { width: number; height: number; rgb: string } })[];
    };
    if (cached.key === key)
      return cached.samples.map((s) => ({
        ...s,
        shot: { ...s.shot, rgb: new Uint8Array(Buffer.from(s.shot.rgb, 'base64')) },
      }));
  }
  return collect().then((samples) => {
    const json = samples.map((s) => ({
      ...s,
      shot: { ...s.shot, rgb: Buffer.from(s.shot.rgb).toString('base64') },
    }));
    writeFileSync(path, JSON.stringify({ key, samples: json }));
    return samples;
  });
}

function summary(m: Metrics): string[] {
  return [
    `  grounding (click inside the target's box): ${pct(m.grounding)} of ${m.groundingSteps} click steps`,
    `  step accuracy: ${pct(m.stepAccuracy)} of ${m.steps} steps`,
    `  single-step task success: ${pct(m.singleStepSuccess)} of ${m.singleStepEpisodes} episodes`,
    `  multi-step task success: ${pct(m.multiStepSuccess)} of ${m.multiStepEpisodes} episodes`,
    `  by kind: ${Object.entries(m.byKind)
      .map(([k, v]) => `${k} ${pct(v)}`)
      .join(', ')}`,
  ];
}

/** How much the policy prefers the corrections (`preferredShare`) before and after the round. */
export interface Transfer {
  pairs: number;
  before: number;
  after: number;
}

export interface RunResult {
  before: Metrics;
  after?: Metrics;
  pairs: number;
  /** On the round's own pairs, and on the pairs of the held-out evaluation's mistakes (never trained on). */
  preference?: { round: Transfer; heldOut: Transfer };
}

export async function run(
  o: CliOptions,
  log: (line: string) => void,
  progress?: Progress,
): Promise<RunResult> {
  mkdirSync(o.out, { recursive: true });
  const browser = await launchBrowser();
  try {
    const ctx = createContext();
    manualSeed(o.seed, ctx);
    // Demonstrations on training layouts.
    const trainTasks = drawTasks(o.kinds, o.trainTasks, 1000 + o.seed);
    let cpu = process.cpuUsage();
    const demos = await loadOrCollect(
      join(o.out, 'demos.json'),
      `${o.kinds.join(',')}/${o.trainTasks}/${o.seed}/${o.variants ? 'variants' : 'plain'}/v5`,
      () =>
        collectDemos(browser, trainTasks, (n, total) => progress?.('demonstrations', n, total), o.variants),
    );
    log(
      `${demos.length} expert steps on ${trainTasks.length} training layouts (${cpuSeconds(cpu).toFixed(1)} CPU s)`,
    );
    // Recovery demonstrations: the first layouts of each kind again (`drawTasks` interleaves the
    // kinds, so a prefix holds the first ones of each), a near miss in each multi-step one.
    cpu = process.cpuUsage();
    const perKind = Math.min(o.recoveryTasks, o.trainTasks);
    const recoveries =
      perKind === 0
        ? []
        : await loadOrCollect(
            join(o.out, 'recoveries.json'),
            `${o.kinds.join(',')}/${perKind}/${o.seed}/r1`,
            () =>
              collectRecoveries(
                browser,
                trainTasks.slice(0, perKind * o.kinds.length),
                3000 + o.seed,
                (n, total) => progress?.('recovery demonstrations', n, total),
              ),
          );
    if (perKind > 0)
      log(
        `${recoveries.length} recovery steps after near misses on the first ${perKind} training layouts of each multi-step kind (${cpuSeconds(cpu).toFixed(1)} CPU s)`,
      );
    const training = [...demos, ...recoveries];

    // Held-out layouts: another seed, and any layout identical to a training one is dropped.
    const seen = new Set(trainTasks.map((t) => t.html));
    const heldOut = drawTasks(o.kinds, o.evalTasks, 9000 + o.seed).filter((t) => !seen.has(t.html));
    log(`${heldOut.length} held-out layouts (${o.kinds.length} kinds)`);

    const policy = new GuiPolicy(DEFAULT_POLICY, { context: ctx });
    cpu = process.cpuUsage();
    let bcLosses: number[] = [];
    if (o.loadModel) {
      policy.loadStateDict(deserialize(readFileSync(o.loadModel), { context: ctx }));
      log(`weights from ${o.loadModel} (no behaviour cloning)`);
    } else {
      bcLosses = await behaviourCloning(policy, training, {
        steps: o.steps,
        batch: o.batch,
        lr: o.lr,
        perception: o.perception,
        seed: o.seed,
        context: ctx,
        onStep: (step, loss) => progress?.('behaviour cloning', step, o.steps, `loss ${loss.toFixed(3)}`),
      });
      writeFileSync(join(o.out, 'bc-model.safetensors'), await serializeAsync(policy.stateDict()));
    }
    const bcCpu = cpuSeconds(cpu);
    if (bcLosses.length > 0)
      log(
        `behaviour cloning: ${o.steps} steps of ${o.batch}, final loss ${bcLosses.at(-1)?.toFixed(3)} (${bcCpu.toFixed(0)} CPU s)`,
      );

    cpu = process.cpuUsage();
    const evalBefore = await runEpisodes(browser, policy, ctx, heldOut, budget, 24, (n) =>
      progress?.('evaluation', n, heldOut.length),
    );
    const before = metrics(evalBefore);
    log(`held-out, after behaviour cloning (${cpuSeconds(cpu).toFixed(0)} CPU s):`);
    for (const line of summary(before)) log(line);
    writeFileSync(
      join(o.out, 'trace-bc.html'),
      traceViewer('GUI agent after behaviour cloning (held-out layouts)', evalBefore),
    );
    // A small viewer to keep with the results: the first two held-out episodes of each kind.
    const sample = o.kinds.flatMap((k) => evalBefore.filter((e) => e.task.kind === k).slice(0, 2));
    writeFileSync(
      join(o.out, 'trace-sample.html'),
      traceViewer('GUI agent after behaviour cloning: two held-out episodes per kind', sample),
    );

    const result: RunResult = { before, pairs: 0 };
    let dpoLosses: number[] = [];
    let evalAfter: Episode[] | undefined;
    if (o.reflectTasks > 0) {
      // Reflection: the agent acts on fresh training layouts; each wrong step is paired with the expert's correction.
      const reflectTasks = drawTasks(o.kinds, o.reflectTasks, 5000 + o.seed);
      cpu = process.cpuUsage();
      const rollouts = await runEpisodes(browser, policy, ctx, reflectTasks, budget, 24, (n) =>
        progress?.('reflection rollouts', n, reflectTasks.length),
      );
      const wrong = await reflectionPairs(policy, rollouts, {
        samples: o.reflectSamples,
        temperature: o.reflectTemperature,
        rng: new Rng(6000 + o.seed),
        context: ctx,
      });
      const pairs = selectPairs(wrong, o.dpoPairs);
      result.pairs = pairs.length;
      const mistakes = rollouts.flatMap((e) => e.steps).filter((s) => !s.correct).length;
      log(
        `reflection: ${mistakes} wrong steps in ${rollouts.length} episodes, ${wrong.length} wrong responses with ${o.reflectSamples} draws per state, ${pairs.length} pairs (--dpo-pairs ${o.dpoPairs}) (${cpuSeconds(cpu).toFixed(0)} CPU s)`,
      );
      if (pairs.length > 0) {
        // The held-out evaluation's own mistakes, paired the same way: not trained on, they say
        // whether what the round learns carries over to mistakes it has not seen.
        const heldOutPairs = selectPairs(
          await reflectionPairs(policy, evalBefore, {
            samples: 0,
            temperature: 1,
            rng: new Rng(0),
            context: ctx,
          }),
          o.dpoPairs,
        );
        const roundBefore = await preferredShare(policy, pairs, ctx);
        const heldOutBefore = await preferredShare(policy, heldOutPairs, ctx);
        cpu = process.cpuUsage();
        dpoLosses = await dpoRound(policy, pairs, {
          steps: o.dpoSteps,
          batch: o.batch,
          lr: o.dpoLr,
          beta: o.beta,
          loss: o.dpoLoss,
          sftWeight: o.sftWeight,
          coordinates: o.dpoCoordinates,
          tokens: o.dpoTokens,
          replay: training,
          replayBatch: o.dpoReplay,
          // The states where the agent was right, with its own responses there.
          anchor: rollouts.flatMap((e) =>
            e.steps
              .filter((s) => s.correct)
              .map((s) => ({ shot: s.shot, goal: e.task.goal, previous: s.previous, text: s.text })),
          ),
          anchorBatch: o.dpoReplay,
          anchorWeight: o.dpoAnchor,
          seed: o.seed,
          context: ctx,
          onStep: (step, loss, acc) =>
            progress?.('DPO', step, o.dpoSteps, `loss ${loss.toFixed(3)} reward acc ${acc.toFixed(2)}`),
        });
        log(
          `DPO: ${o.dpoSteps} steps, loss ${dpoLosses[0].toFixed(3)} → ${dpoLosses.at(-1)?.toFixed(3)} (${cpuSeconds(cpu).toFixed(0)} CPU s)`,
        );
        result.preference = {
          round: {
            pairs: pairs.length,
            before: roundBefore,
            after: await preferredShare(policy, pairs, ctx),
          },
          heldOut: {
            pairs: heldOutPairs.length,
            before: heldOutBefore,
            after: await preferredShare(policy, heldOutPairs, ctx),
          },
        };
        const { round, heldOut: h } = result.preference;
        log(
          `the policy prefers the correction on ${pct(round.before)} → ${pct(round.after)} of the round's ${round.pairs} pairs and on ${pct(h.before)} → ${pct(h.after)} of the ${h.pairs} pairs of the held-out mistakes (not trained on)`,
        );
        cpu = process.cpuUsage();
        evalAfter = await runEpisodes(browser, policy, ctx, heldOut, budget, 24, (n) =>
          progress?.('evaluation after DPO', n, heldOut.length),
        );
        result.after = metrics(evalAfter);
        log(`held-out, after the DPO round (${cpuSeconds(cpu).toFixed(0)} CPU s):`);
        for (const line of summary(result.after)) log(line);
        writeFileSync(
          join(o.out, 'trace-dpo.html'),
          traceViewer('GUI agent after the DPO round (held-out layouts)', evalAfter),
        );
      }
    }
    writeFileSync(
      join(o.out, 'results.json'),
      `${JSON.stringify({ options: o, demos: demos.length, recoveries: recoveries.length, heldOut: heldOut.length, bcCpuSeconds: bcCpu, bcLosses, dpoLosses, ...result }, null, 2)}\n`,
    );
    if (bcLosses.length >= 2)
      writeFileSync(
        join(o.out, 'bc-loss.png'),
        renderLineChartPng({
          title: 'Behaviour cloning',
          xLabel: 'step',
          yLabel: 'cross-entropy (response tokens)',
          series: [{ name: 'loss', values: bcLosses, color: [40, 90, 200] }],
        }),
      );
    log(
      `wrote ${join(o.out, 'results.json')}, trace-bc.html, trace-sample.html${evalAfter ? ', trace-dpo.html' : ''}, bc-loss.png`,
    );
    return result;
  } finally {
    await browser.close();
  }
}
