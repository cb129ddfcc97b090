import { encodePng, type LineChart, Raster, type Rgb, type Series } from '@tessera/plot';
import { Pendulum } from '@tessera/rl';
import { meanStd, type RunSummary } from './train.js';

const COLORS: Record<string, { line: Rgb; band: Rgb }> = {
  ddpg: { line: [31, 100, 180], band: [150, 185, 225] },
  td3: { line: [220, 100, 20], band: [245, 190, 140] },
};

/**
 * The learning curve: for each algorithm the mean over seeds of the deterministic evaluation return at each
 * evaluation, with mean ± one standard deviation over seeds as two lighter lines.
 */
export function learningCurveChart(results: readonly RunSummary[], evalEvery: number): LineChart {
  const series: Series[] = [];
  for (const algo of ['ddpg', 'td3'] as const) {
    const runs = results.filter((r) => r.algo === algo);
    if (runs.length === 0) continue;
    const points = Math.min(...runs.map((r) => r.curve.length));
    const stats = Array.from({ length: points }, (_, i) => meanStd(runs.map((r) => r.curve[i].mean)));
    const name = algo.toUpperCase();
    const { line, band } = COLORS[algo];
    series.push({ name: `${name} mean`, values: stats.map((s) => s.mean), color: line });
    series.push({ name: '+1 std', values: stats.map((s) => s.mean + s.std), color: band });
    series.push({ name: '-1 std', values: stats.map((s) => s.mean - s.std), color: band });
  }
  const seeds = new Set(results.map((r) => r.seed)).size;
  return {
    title: `Pendulum-v1: evaluation return over ${seeds} seed${seeds === 1 ? '' : 's'}`,
    xLabel: `environment steps / ${evalEvery}`,
    yLabel: 'return',
    series,
    width: 900,
    height: 480,
  };
}

export interface SwingUp {
  label: string;
  /** θ and the applied torque at each step of one episode. */
  thetas: number[];
  torques: number[];
  episodeReturn: number;
}

/** One deterministic episode from the hanging rest state θ = π, θ̇ = 0 (the hardest start). */
export function swingUp(label: string, policy: (o: Float64Array) => Float64Array): SwingUp {
  const env = new Pendulum();
  let { observation } = env.reset({ options: { state: [Math.PI, 0] } });
  const thetas = [env.theta];
  const torques: number[] = [];
  let episodeReturn = 0;
  for (;;) {
    const step = env.step(policy(observation));
    episodeReturn += step.reward;
    thetas.push(env.theta);
    torques.push(env.lastTorque);
    observation = step.observation;
    if (step.truncated || step.terminated) break;
  }
  return { label, thetas, torques, episodeReturn };
}

const CELL = 72;
const INK: Rgb = [30, 30, 30];
const ROD: Rgb = [200, 60, 40];
const FAINT: Rgb = [200, 200, 200];

/**
 * An image strip per episode: the pendulum every `every` steps (upright is up), the torque of that step as
 * a bar under the pivot (right = positive), and the step number.
 */
export function swingUpStripPng(episodes: readonly SwingUp[], every = 10): Uint8Array {
  const frames = Math.ceil(episodes[0].thetas.length / every);
  const labelWidth = 150;
  const rowHeight = CELL + 24;
  const width = labelWidth + frames * CELL;
  const height = 34 + episodes.length * rowHeight;
  const img = new Raster(width, height);
  img.text(8, 10, `swing-up from hanging down (theta = pi), one frame every ${every} steps`, INK, 2);
  episodes.forEach((ep, row) => {
    const y0 = 34 + row * rowHeight;
    img.text(8, y0 + CELL / 2 - 12, ep.label, INK, 2);
    img.text(8, y0 + CELL / 2 + 8, `return ${ep.episodeReturn.toFixed(0)}`, INK);
    for (let f = 0; f < frames; f++) {
      const t = f * every;
      const x0 = labelWidth + f * CELL;
      const cx = x0 + CELL / 2;
      const cy = y0 + CELL / 2;
      const r = CELL * 0.36;
      img.strokeCircle(cx, cy, r, FAINT);
      const th = ep.thetas[t];
      img.line(cx, cy, cx + r * Math.sin(th), cy - r * Math.cos(th), ROD, 4);
      img.fillRect(cx - 2, cy - 2, 5, 5, INK);
      const u = ep.torques[Math.min(t, ep.torques.length - 1)] ?? 0;
      const bar = Math.round((u / Pendulum.maxTorque) * (CELL * 0.4));
      img.fillRect(Math.min(cx, cx + bar), y0 + CELL - 4, Math.max(1, Math.abs(bar)), 3, [40, 140, 60]);
      img.textCentered(cx, y0 + CELL + 8, String(t), INK);
    }
  });
  return encodePng(width, height, img.pixels);
}
