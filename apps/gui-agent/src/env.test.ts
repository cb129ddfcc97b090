import { existsSync } from 'node:fs';
import { Rng } from '@tessera/core/rng';
import { formatStep, parseStep } from '@tessera/gui-agent';
import { chromiumPath } from '@tessera/webgpu/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDemos, collectRecoveries, drawTasks, metrics, type Responder, runEpisodes } from './agent.js';
import { type Box, GRID, GuiEnv, launchBrowser, nearMiss, SHOT, TYPED_VARIANTS } from './env.js';
import { COLORS, CSS, makeTask, PAGE, TASK_KINDS, type Task, WORDS } from './tasks.js';
import { encode } from './tokenizer.js';

/**
 * The environment in headless Chromium (Debian's package, .ci/install-chromium.sh; TESSERA_CHROMIUM
 * for another binary). Without one the tests skip, except under CI=true, where they fail.
 */
const present = existsSync(chromiumPath());
const ci = process.env.CI === 'true' || process.env.CI === '1';
if (!present && !ci) console.warn(`gui-agent browser tests skipped: no Chromium at ${chromiumPath()}`);

/** A page that records the input events it receives, for the low-level checks. */
const PROBE: Task = {
  kind: 'button',
  goal: 'probe',
  color: 'red',
  html: `<!doctype html><body style="margin:0;width:${PAGE.width}px;height:${PAGE.height}px;background:#fff">
<div id="red" style="position:absolute;left:12px;top:30px;width:36px;height:18px;background:#ff0000"></div>
<input id="field" style="position:absolute;left:100px;top:10px;width:80px;height:18px">
<div id="list" style="position:absolute;left:100px;top:60px;width:60px;height:60px;overflow-y:scroll">
  <div style="height:400px;background:linear-gradient(#000,#fff)"></div></div>
<script>
window.events = [];
for (const t of ['click', 'dblclick', 'contextmenu', 'mousedown', 'mouseup'])
  document.addEventListener(t, (e) => { if (t === 'contextmenu' || (t === 'mousedown' && e.target.tagName !== 'INPUT')) e.preventDefault(); events.push([t, e.clientX, e.clientY, e.button]); });
document.addEventListener('keydown', (e) => events.push(['keydown', e.key, e.ctrlKey]));
window.__success = () => true;
</script></body>`,
};

describe('nearMiss', () => {
  const inside = (p: { x: number; y: number }, b: Box) =>
    p.x >= b.x && p.x <= b.x + b.w && p.y >= b.y && p.y <= b.y + b.h;

  it('lands a click-like step 1–8 page pixels outside its box, on every side, never inside', () => {
    const rng = new Rng(5);
    // A text field, a menu option (14 px tall) and a box at the page's corner (two sides off the page).
    const boxes: Box[] = [
      { x: 60, y: 50, w: 60, h: 18 },
      { x: 20, y: 40, w: 56, h: 14 },
      { x: 0, y: 0, w: 36, h: 18 },
    ];
    for (const box of boxes) {
      const sides = new Set<string>();
      for (let i = 0; i < 200; i++) {
        for (const type of ['click', 'left_double', 'right_single'] as const) {
          const miss = nearMiss(
            { thought: 't', action: { type, start: { x: 0, y: 0 } }, startBox: box },
            rng,
          );
          expect(miss?.type).toBe(type);
          if (!miss || !('start' in miss)) throw new Error('no near miss');
          const p = GRID.toPage(miss.start);
          expect(inside(p, box), `${JSON.stringify(p)} in ${JSON.stringify(box)}`).toBe(false);
          // Within 8 px plus half a 3-px cell of the box.
          const dx = Math.max(box.x - p.x, p.x - box.x - box.w, 0);
          const dy = Math.max(box.y - p.y, p.y - box.y - box.h, 0);
          expect(Math.max(dx, dy)).toBeLessThanOrEqual(8 + 1.5);
          sides.add(p.y < box.y ? 'above' : p.y > box.y + box.h ? 'below' : p.x < box.x ? 'left' : 'right');
        }
      }
      expect(sides.size, JSON.stringify(box)).toBe(box.x === 0 ? 2 : 4);
    }
  });

  it('turns a scroll into a click inside the list, an escape into a click, and has none for typing or drags', () => {
    const rng = new Rng(6);
    const list: Box = { x: 40, y: 30, w: 80, h: 64 };
    for (let i = 0; i < 50; i++) {
      const miss = nearMiss(
        {
          thought: 't',
          action: { type: 'scroll', start: { x: 0, y: 0 }, direction: 'down' },
          startBox: list,
        },
        rng,
      );
      if (miss?.type !== 'click') throw new Error(`a scroll's near miss is ${miss?.type}`);
      expect(inside(GRID.toPage(miss.start), list)).toBe(true);
    }
    expect(nearMiss({ thought: 't', action: { type: 'hotkey', keys: ['esc'] } }, rng)?.type).toBe('click');
    expect(nearMiss({ thought: 't', action: { type: 'type', content: 'cat\n' } }, rng)).toBeNull();
    const drag = { type: 'drag', start: { x: 1, y: 1 }, end: { x: 9, y: 1 } } as const;
    expect(nearMiss({ thought: 't', action: drag, startBox: list }, rng)).toBeNull();
  });
});

describe.skipIf(!present && !ci)('GuiEnv in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!present) throw new Error(`no Chromium at ${chromiumPath()} (CI=true: run .ci/install-chromium.sh)`);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('solves every task kind with its scripted expert, and the page says so', async () => {
    const rng = new Rng(7);
    for (const kind of TASK_KINDS) {
      const env = await GuiEnv.open(browser, makeTask(kind, rng));
      expect(await env.success(), `${kind} solved before acting`).toBe(false);
      let steps = 0;
      while (!(await env.success()) && steps < 4) {
        await env.act((await env.expert()).action);
        steps++;
      }
      expect(await env.success(), `${kind} after ${steps} expert steps`).toBe(true);
      await env.close();
    }
  }, 60_000);

  it("records demonstrations with the expert's previous action kind and the box each click aims at", async () => {
    const tasks = [...drawTasks(['text'], 1, 3), ...drawTasks(['dialog'], 1, 3)];
    const samples = await collectDemos(browser, tasks);
    expect(samples.map((s) => [s.kind, s.previous, parseStep(s.text).action.type])).toEqual([
      ['text', 'none', 'click'],
      ['text', 'click', 'type'],
      ['dialog', 'none', 'hotkey'],
      ['dialog', 'hotkey', 'click'],
    ]);
    expect(samples.map((s) => s.box !== undefined)).toEqual([true, false, false, true]);
  }, 60_000);

  it('records recoveries from near misses: the same previous action, the screen decides the step', async () => {
    // Two text layouts, each run with a near miss at its first step (the click) and at its second
    // (typing, which has none): only the first runs give samples.
    const tasks = drawTasks(['text', 'button'], 2, 4);
    const samples = await collectRecoveries(browser, tasks, 1);
    expect(samples.map((s) => [s.kind, s.previous, parseStep(s.text).action.type])).toEqual([
      ['text', 'click', 'click'],
      ['text', 'click', 'type'],
      ['text', 'click', 'click'],
      ['text', 'click', 'type'],
    ]);
    // After the miss the field is unfocused, after the expert's click it is focused: the two
    // screenshots of one episode differ though the prompt's previous action is the same.
    expect(Buffer.from(samples[0].shot.rgb).equals(Buffer.from(samples[1].shot.rgb))).toBe(false);
  }, 60_000);

  it('re-aims a click at each visible sibling: acting the variant marks the element of its colour', async () => {
    const rng = new Rng(11);
    for (const kind of ['button', 'checkbox', 'scroll'] as const) {
      const task = makeTask(kind, rng);
      // The scroll task's target starts out of sight: the expert scrolls it into view first.
      const probe = await GuiEnv.open(browser, task);
      let expert = await probe.expert();
      while (expert.action.type === 'scroll') {
        await probe.act(expert.action);
        expert = await probe.expert();
      }
      const variants = await probe.variants(expert);
      await probe.close();
      // Every other button or box; of the list's six items, those in sight (three show at a time).
      const others = (task.html.match(/data-color=/g)?.length ?? 0) - 1;
      if (kind === 'scroll') expect(variants.length).toBeGreaterThanOrEqual(1);
      else expect(variants.length, kind).toBe(others);
      for (const v of variants) {
        const color = COLORS.find((c) => new RegExp(`\\b${c}\\b`).test(v.goal));
        expect(color, v.goal).not.toBe(task.color);
        expect(v.step.thought).toContain(color);
        // Replay on a fresh page (scrolled as the expert did), act the variant, read which element it marked.
        const env = await GuiEnv.open(browser, task);
        for (let e = await env.expert(); e.action.type === 'scroll'; e = await env.expert())
          await env.act(e.action);
        await env.act(v.step.action);
        const marked = await env.page.evaluate(() =>
          Array.from(document.querySelectorAll('[data-on="1"]'), (e) => (e as HTMLElement).dataset.color),
        );
        expect(marked, `${kind}: ${v.goal}`).toEqual([color]);
        await env.close();
      }
    }
  }, 60_000);

  it("re-words a typing step: each variant types its goal's word into the focused field and submits it", async () => {
    const task = makeTask('text', new Rng(12));
    const word = task.word ?? '';
    const probe = await GuiEnv.open(browser, task);
    await probe.act((await probe.expert()).action); // the click that focuses the field
    const expert = await probe.expert();
    expect(expert.action).toEqual({ type: 'type', content: `${word}\n` });
    const variants = await probe.variants(expert);
    await probe.close();
    // The next TYPED_VARIANTS words after the task's own, cyclically.
    const at = WORDS.indexOf(word as (typeof WORDS)[number]);
    const words = Array.from({ length: TYPED_VARIANTS }, (_, i) => WORDS[(at + 1 + i) % WORDS.length]);
    expect(variants.map((v) => v.goal)).toEqual(words.map((w) => task.goal.replace(word, w)));
    for (const [i, v] of variants.entries()) {
      expect(v.step.thought).toBe(expert.thought.replace(word, words[i]));
      const env = await GuiEnv.open(browser, task);
      await env.act((await env.expert()).action);
      await env.act(v.step.action);
      expect(
        await env.page.evaluate(() => (document.querySelector('#target') as HTMLElement).dataset.sent),
      ).toBe(words[i]);
      await env.close();
    }
  }, 60_000);

  it('runs click, double and right clicks, drag, type, scroll and hotkey as real input events', async () => {
    const env = await GuiEnv.open(browser, PROBE);
    const events = () =>
      env.page.evaluate(() => (window as unknown as { events: unknown[][] }).events.splice(0));
    // Grid cell (5, 13) of 64×48 over 192×144 is page pixels 15–18 × 39–42; the click lands at its centre.
    await env.act({ type: 'click', start: { x: 5, y: 13 } });
    expect(await events()).toEqual([
      ['mousedown', 16, 40, 0],
      ['mouseup', 16, 40, 0],
      ['click', 16, 40, 0],
    ]);
    await env.act({ type: 'left_double', start: { x: 5, y: 13 } });
    expect((await events()).filter((e) => e[0] === 'dblclick')).toEqual([['dblclick', 16, 40, 0]]);
    await env.act({ type: 'right_single', start: { x: 5, y: 13 } });
    expect((await events()).filter((e) => e[0] === 'contextmenu')).toEqual([['contextmenu', 16, 40, 2]]);
    await env.act({ type: 'drag', start: { x: 5, y: 13 }, end: { x: 20, y: 13 } });
    // Pressed at the first cell's centre, released at the second's (x 20.5·3 = 61.5).
    expect((await events()).filter((e) => e[0] !== 'click').map((e) => e.slice(0, 3))).toEqual([
      ['mousedown', 16, 40],
      ['mouseup', 61, 40],
    ]);
    // Type into the field (cell (45, 6) is page pixel (136.5, 19.5), inside it), submitting with Enter.
    await env.act({ type: 'click', start: { x: 45, y: 6 } });
    await events();
    await env.act({ type: 'type', content: 'hi\n' });
    expect(await env.page.inputValue('#field')).toBe('hi');
    expect((await events()).map((e) => e[1])).toEqual(['h', 'i', 'Enter']);
    await env.act({ type: 'hotkey', keys: ['ctrl', 'a'] });
    expect(await events()).toEqual([
      ['keydown', 'Control', true],
      ['keydown', 'a', true],
    ]);
    // Scroll over the list: the wheel moves it 40 px down, then back.
    await env.act({ type: 'scroll', start: { x: 43, y: 30 }, direction: 'down' });
    expect(await env.page.evaluate(() => (document.getElementById('list') as HTMLElement).scrollTop)).toBe(
      40,
    );
    await env.act({ type: 'scroll', start: { x: 43, y: 30 }, direction: 'up' });
    expect(await env.page.evaluate(() => (document.getElementById('list') as HTMLElement).scrollTop)).toBe(0);
    await env.close();
  }, 30_000);

  it('observes a 64×48 screenshot: each pixel the mean of a 3×3 block of the page', async () => {
    expect(SHOT).toEqual({ width: 64, height: 48 });
    const env = await GuiEnv.open(browser, PROBE);
    const shot = await env.screenshot();
    const px = (x: number, y: number) => Array.from(shot.rgb.slice((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
    // The red box covers page x 12–47, y 30–47: shot pixels x 4–15, y 10–15 are pure red; (3, 10) is white.
    expect(px(4, 10)).toEqual([255, 0, 0]);
    expect(px(15, 15)).toEqual([255, 0, 0]);
    expect(px(3, 10)).toEqual([255, 255, 255]);
    // Grid cells map back to the box that holds them.
    expect(GRID.toGrid({ x: 12, y: 30 })).toEqual({ x: 4, y: 10 });
    await env.close();
  }, 30_000);

  it('evaluates an agent live: a colour-finding baseline clicks the centroid of the goal colour in the screenshot', async () => {
    // A scripted responder that sees only what the model sees: the screenshot and the goal.
    const baseline: Responder = {
      respond: async (observations) =>
        observations.map(({ shot, goal }) => {
          const color = COLORS.find((c) => goal.includes(c)) ?? 'red';
          const rgb = [1, 3, 5].map((i) => Number.parseInt(CSS[color].slice(i, i + 2), 16));
          let [sx, sy, n] = [0, 0, 0];
          for (let i = 0; i < shot.width * shot.height; i++)
            if (rgb.every((v, c) => Math.abs(shot.rgb[i * 3 + c] - v) < 24)) {
              sx += i % shot.width;
              sy += Math.floor(i / shot.width);
              n++;
            }
          const start = { x: Math.round(sx / Math.max(n, 1)), y: Math.round(sy / Math.max(n, 1)) };
          return [
            ...encode(formatStep({ thought: `I click the ${color} one.`, action: { type: 'click', start } })),
            2,
          ];
        }),
    };
    const tasks = [...drawTasks(['button'], 3, 21), ...drawTasks(['dialog'], 1, 21)];
    const episodes = await runEpisodes(
      browser,
      baseline,
      undefined as never,
      tasks,
      (t) => (t.kind === 'button' ? 1 : 2),
      4,
    );
    // Buttons are solid colour blocks: their centroid is inside them, so each is solved in its one step.
    expect(episodes.slice(0, 3).map((e) => [e.steps.length, e.success])).toEqual([
      [1, true],
      [1, true],
      [1, true],
    ]);
    // The dialog hides the buttons behind a dark veil the baseline cannot see through: its clicks
    // miss the (hotkey) expert step and the episode spends both steps unsolved.
    expect(episodes[3].success).toBe(false);
    expect(episodes[3].steps.map((s) => s.expert.action.type)).toEqual(['hotkey', 'hotkey']);
    // Each prompt carries the kind of the agent's own previous action: none first, then its click.
    expect(episodes[3].steps.map((s) => s.previous)).toEqual(['none', 'click']);
    const m = metrics(episodes);
    expect(m.grounding).toBe(1);
    expect(m.singleStepSuccess).toBe(1);
    expect(m.stepAccuracy).toBe(3 / 5);
    expect(episodes[0].steps[0].shot.width).toBe(64);
  }, 60_000);
});
