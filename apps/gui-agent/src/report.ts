import { encodePng } from '@tessera/plot';
import type { Episode } from './agent.js';
import { GRID, type Screenshot } from './env.js';

const SCALE = 4;

/** A screenshot as a PNG data URL, each pixel drawn as SCALE×SCALE. */
function pngUrl(shot: Screenshot): string {
  const w = shot.width * SCALE;
  const h = shot.height * SCALE;
  const big = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const from = (Math.floor(y / SCALE) * shot.width + Math.floor(x / SCALE)) * 3;
      big.set(shot.rgb.subarray(from, from + 3), (y * w + x) * 3);
    }
  return `data:image/png;base64,${Buffer.from(encodePng(w, h, big)).toString('base64')}`;
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * The trace viewer: every episode's goal and outcome, and per step the screenshot the agent saw
 * (4× enlarged) with its predicted point (red dot; drag end: red ring) and the box the expert aimed
 * at (green outline), the previous action's kind its prompt gave, its thought and action, the expert's action, and whether the step was right.
 */
export function traceViewer(title: string, episodes: readonly Episode[]): string {
  const k = SCALE * (GRID.grid.width / GRID.page.width); // page px → viewer px
  const rows = episodes.map((ep) => {
    const steps = ep.steps.map((s) => {
      const marks: string[] = [];
      const box = s.expert.startBox;
      if (box)
        marks.push(
          `<div class="box" style="left:${box.x * k}px;top:${box.y * k}px;width:${box.w * k}px;height:${box.h * k}px"></div>`,
        );
      const a = s.action;
      if (a && 'start' in a) {
        const p = GRID.toPage(a.start);
        marks.push(`<div class="dot" style="left:${p.x * k - 4}px;top:${p.y * k - 4}px"></div>`);
      }
      if (a?.type === 'drag') {
        const p = GRID.toPage(a.end);
        marks.push(`<div class="ring" style="left:${p.x * k - 6}px;top:${p.y * k - 6}px"></div>`);
      }
      const expertText = s.expert.thought ? `Thought: ${s.expert.thought}` : '';
      return `<div class="step ${s.correct ? 'ok' : 'bad'}"><div class="shot"><img alt="the screenshot the agent saw" src="${pngUrl(s.shot)}">${marks.join('')}</div>
<pre class="expert">previous: ${esc(s.previous)}</pre><pre>${esc(s.text)}</pre><pre class="expert">expert: ${esc(expertText)}\n${esc(JSON.stringify(s.expert.action))}</pre></div>`;
    });
    return `<section><h3>${ep.success ? '✓' : '✗'} ${esc(ep.task.kind)}: ${esc(ep.task.goal)}</h3><div class="steps">${steps.join('')}</div></section>`;
  });
  return `<!doctype html><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font:13px sans-serif;margin:16px}.steps{display:flex;gap:12px;flex-wrap:wrap}
.step{border:2px solid #ccc;padding:6px;width:270px}.step.ok{border-color:#2a2}.step.bad{border-color:#d22}
.shot{position:relative;width:256px;height:192px}.shot img{image-rendering:pixelated}
.box{position:absolute;border:2px solid #0c0;box-sizing:border-box}
.dot{position:absolute;width:8px;height:8px;border-radius:4px;background:#f00;border:1px solid #fff}
.ring{position:absolute;width:12px;height:12px;border-radius:6px;border:2px solid #f00}
pre{white-space:pre-wrap;margin:4px 0}.expert{color:#666}
</style><h1>${esc(title)}</h1>${rows.join('\n')}`;
}
