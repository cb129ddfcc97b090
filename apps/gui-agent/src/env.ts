import type { Rng } from '@tessera/core/rng';
import { type Action, coordinateMap, type Point, type Step, smartResize } from '@tessera/gui-agent';
import { chromiumPath } from '@tessera/webgpu/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PAGE, type Task, WORDS } from './tasks.js';

/**
 * The screenshot the model sees: the 192×144 page through `smartResize` with factor 8 and at most
 * 64·48 pixels, i.e. 64×48. Model coordinates are this screenshot's pixels (as UI-TARS-1.5's).
 */
export const SHOT = smartResize(PAGE.height, PAGE.width, {
  factor: 8,
  minPixels: 16 * 16,
  maxPixels: 64 * 48,
});
export const GRID = coordinateMap(SHOT, PAGE);

/** How many other words a text task's typing step is also recorded under (`GuiEnv.variants`). */
export const TYPED_VARIANTS = 3;

/** Whether v lies in [lo, lo + size]: one axis of a box. */
export const within = (v: number, lo: number, size: number): boolean => v >= lo && v <= lo + size;

/** Whether page point `p` lies in box `b` (edges included); false without a box. */
export const inside = (p: Point, b: Box | undefined): boolean =>
  b !== undefined && within(p.x, b.x, b.w) && within(p.y, b.y, b.h);

/** The actions that press at one point: what grounding is measured on. */
export const isClickLike = (
  a: Action,
): a is Extract<Action, { type: 'click' | 'left_double' | 'right_single' }> =>
  a.type === 'click' || a.type === 'left_double' || a.type === 'right_single';

/** The grid cell at the middle of a page box. */
const centreCell = (b: Box): Point => GRID.toGrid({ x: b.x + b.w / 2, y: b.y + b.h / 2 });

/**
 * A near miss of the expert's step, executed in its place to record recovery demonstrations (DART,
 * Laskey et al. 2017: the expert labels the states a slightly wrong action leads to). A click-like
 * step lands 1–8 page pixels outside its target's box, on a random side (a field left unfocused, the
 * option or item next to the named one); a scroll becomes a click inside the list (clicking before
 * the item is in sight); the dialog's escape becomes a click somewhere on the page. Null for steps
 * without one (typing, drags) and when no cell lies outside the box on the page.
 */
export function nearMiss(step: ExpertStep, rng: Rng): Action | null {
  const a = step.action;
  const box = step.startBox;
  if (a.type === 'hotkey')
    return { type: 'click', start: { x: rng.int(SHOT.width), y: rng.int(SHOT.height) } };
  if (a.type === 'scroll' && box)
    return { type: 'click', start: GRID.toGrid({ x: box.x + box.w / 2, y: box.y + 4 + rng.int(box.h - 8) }) };
  if (isClickLike(a) && box) {
    for (let attempt = 0; attempt < 32; attempt++) {
      const gap = 1 + rng.int(8);
      const along = rng.uniform(0, 1);
      const side = rng.int(4);
      const p =
        side === 0
          ? { x: box.x + along * box.w, y: box.y - gap }
          : side === 1
            ? { x: box.x + along * box.w, y: box.y + box.h + gap }
            : side === 2
              ? { x: box.x - gap, y: box.y + along * box.h }
              : { x: box.x + box.w + gap, y: box.y + along * box.h };
      if (p.x < 0 || p.y < 0 || p.x >= PAGE.width || p.y >= PAGE.height) continue;
      const cell = GRID.toGrid(p);
      if (!inside(GRID.toPage(cell), box)) return { ...a, start: cell };
    }
  }
  return null;
}

/** Chromium for the environment: the binary and flags the repo's browser tests use. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-dev-shm-usage',
      '--no-first-run',
    ],
  });
}

/** RGB bytes of a screenshot, row-major [height, width, 3]. */
export interface Screenshot {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** Playwright key names of the hotkey names the action space uses. */
const KEYS: Record<string, string> = {
  ctrl: 'Control',
  control: 'Control',
  shift: 'Shift',
  alt: 'Alt',
  meta: 'Meta',
  cmd: 'Meta',
  enter: 'Enter',
  return: 'Enter',
  esc: 'Escape',
  escape: 'Escape',
  tab: 'Tab',
  space: 'Space',
  backspace: 'Backspace',
  delete: 'Delete',
  up: 'ArrowUp',
  down: 'ArrowDown',
  left: 'ArrowLeft',
  right: 'ArrowRight',
  pageup: 'PageUp',
  pagedown: 'PageDown',
  home: 'Home',
  end: 'End',
};
const keyName = (k: string) => KEYS[k] ?? (k.length === 1 ? k : k[0].toUpperCase() + k.slice(1));

/** An expert step and the page boxes its start and end points aim at. */
export type ExpertStep = Step & { startBox?: Box; endBox?: Box };

/** The page's box of `selector` in CSS pixels, or null when absent or not displayed. */
export type Box = { x: number; y: number; w: number; h: number };

/**
 * One task page in headless Chromium. The agent gets `screenshot()` (the page shrunk to 64×48,
 * nothing else) and `act(action)` (real mouse and keyboard events at the page pixels of the action's
 * grid cells); `success()` reads the task's check from the page.
 */
export class GuiEnv {
  private constructor(
    readonly page: Page,
    readonly task: Task,
  ) {}

  static async open(browser: Browser, task: Task): Promise<GuiEnv> {
    const page = await browser.newPage({ viewport: { ...PAGE }, deviceScaleFactor: 1 });
    await page.setContent(task.html);
    return new GuiEnv(page, task);
  }

  async close(): Promise<void> {
    await this.page.close();
  }

  /**
   * The page as the model sees it: a PNG screenshot, decoded in the page and averaged over blocks
   * of 3×3 CSS pixels (the average is integer arithmetic, so it is the same on every machine).
   */
  async screenshot(): Promise<Screenshot> {
    const png = await this.capture();
    const { width, height } = SHOT;
    const rgb: number[] = await this.page.evaluate(
      async ([b64, w, h]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const g = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
        g.drawImage(bitmap, 0, 0);
        const data = g.getImageData(0, 0, bitmap.width, bitmap.height).data;
        const fx = bitmap.width / w;
        const fy = bitmap.height / h;
        const out: number[] = [];
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            for (let c = 0; c < 3; c++) {
              let sum = 0;
              for (let dy = 0; dy < fy; dy++)
                for (let dx = 0; dx < fx; dx++)
                  sum += data[((y * fy + dy) * bitmap.width + x * fx + dx) * 4 + c];
              out.push(Math.round(sum / (fx * fy)));
            }
        return out;
      },
      [png.toString('base64'), width, height] as const,
    );
    return { width, height, rgb: Uint8Array.from(rgb) };
  }

  /** A PNG of the viewport; Chromium under load now and then answers "Unable to capture screenshot", so up to 3 retries. */
  private async capture(): Promise<Buffer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.page.screenshot({ type: 'png' });
      } catch (e) {
        if (attempt >= 3 || !/Unable to capture screenshot/.test((e as Error).message)) throw e;
        await this.page.waitForTimeout(200);
      }
    }
  }

  /** Runs one action as real input events; coordinates are cells of the 64×48 grid. */
  async act(action: Action): Promise<void> {
    const { mouse, keyboard } = this.page;
    const px = (p: Point) => GRID.toPage(p);
    switch (action.type) {
      case 'click': {
        const p = px(action.start);
        await mouse.click(p.x, p.y);
        break;
      }
      case 'left_double': {
        const p = px(action.start);
        await mouse.dblclick(p.x, p.y);
        break;
      }
      case 'right_single': {
        const p = px(action.start);
        await mouse.click(p.x, p.y, { button: 'right' });
        break;
      }
      case 'drag': {
        const a = px(action.start);
        const b = px(action.end);
        await mouse.move(a.x, a.y);
        await mouse.down();
        await mouse.move(b.x, b.y, { steps: 8 });
        await mouse.up();
        break;
      }
      case 'hotkey':
        await keyboard.press(action.keys.map(keyName).join('+'));
        break;
      case 'type': {
        const submit = action.content.endsWith('\n');
        await keyboard.type(submit ? action.content.slice(0, -1) : action.content);
        if (submit) await keyboard.press('Enter');
        break;
      }
      case 'scroll': {
        const p = px(action.start);
        await mouse.move(p.x, p.y);
        const d = 40;
        const [dx, dy] = { up: [0, -d], down: [0, d], left: [-d, 0], right: [d, 0] }[action.direction];
        await mouse.wheel(dx, dy);
        // Wheel scrolling lands asynchronously; wait until the page has painted it.
        await this.page.evaluate(
          () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
        );
        break;
      }
      case 'wait':
        await this.page.waitForTimeout(50);
        break;
      case 'finished':
      case 'call_user':
        break;
    }
  }

  async success(): Promise<boolean> {
    return this.page.evaluate(() => (window as unknown as { __success(): boolean }).__success());
  }

  /** The CSS-pixel box of the first element matching `selector`, or null when it is absent or hidden. */
  async box(selector: string): Promise<Box | null> {
    return this.page.evaluate((s) => {
      const e = document.querySelector(s);
      if (!e) return null;
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 ? { x: r.x, y: r.y, w: r.width, h: r.height } : null;
    }, selector);
  }

  /**
   * The scripted expert's next step, reading the page's DOM (which the agent never sees), with the
   * page boxes its points aim at (`startBox`, `endBox`): where a correct action's points must land.
   */
  async expert(): Promise<ExpertStep> {
    const step = await this.expertStep();
    const { kind } = this.task;
    const a = step.action;
    if (
      a.type === 'hotkey' ||
      a.type === 'type' ||
      a.type === 'wait' ||
      a.type === 'finished' ||
      a.type === 'call_user'
    )
      return step;
    const startSel =
      kind === 'slider'
        ? '.handle'
        : kind === 'scroll' && a.type === 'scroll'
          ? '.list'
          : kind === 'dropdown' && step.thought === 'I open the menu.'
            ? '.dd'
            : '#target';
    const startBox = (await this.box(startSel)) ?? undefined;
    const endBox = a.type === 'drag' ? ((await this.box('#mark')) ?? undefined) : undefined;
    return { ...step, startBox, endBox };
  }

  /**
   * The same screen under the goals that name the target's visible siblings instead (the other
   * buttons, boxes, files, circles, fields, menu options or list items): for each, the goal and
   * the expert's step with that sibling's colour and point. For a text task's typing step, the
   * same focused field under goals naming `TYPED_VARIANTS` other words. None for other steps. One
   * screenshot then teaches that the goal's colour word, not the layout, decides where to click,
   * and that the goal's word decides what to type.
   */
  async variants(step: ExpertStep): Promise<{ goal: string; step: ExpertStep }[]> {
    const a = step.action;
    const { kind, color, goal, word: typed } = this.task;
    if (a.type === 'type' && typed !== undefined) {
      // The focused field under goals that name the next TYPED_VARIANTS words instead: the typed
      // text must come from the goal, not from the screen.
      const at = WORDS.indexOf(typed as (typeof WORDS)[number]);
      const same = new RegExp(`\\b${typed}\\b`, 'g');
      return Array.from({ length: TYPED_VARIANTS }, (_, i) => WORDS[(at + 1 + i) % WORDS.length]).map(
        (w) => ({
          goal: goal.replace(same, w),
          step: { thought: step.thought.replace(same, w), action: { type: 'type', content: `${w}\n` } },
        }),
      );
    }
    if (!isClickLike(a)) return [];
    if (kind === 'dropdown' && step.thought === 'I open the menu.') return [];
    const siblings: { color: string; box: Box }[] = await this.page.evaluate(() => {
      const target = document.querySelector('#target');
      if (!target?.parentElement) return [];
      const list = target.closest('.list')?.getBoundingClientRect();
      return Array.from(target.parentElement.querySelectorAll(':scope > [data-color]'))
        .filter((e) => e !== target && e.className === target.className)
        .map((e) => {
          const r = e.getBoundingClientRect();
          return {
            color: (e as HTMLElement).dataset.color ?? '',
            box: { x: r.x, y: r.y, w: r.width, h: r.height },
          };
        })
        .filter(({ box }) => {
          if (box.w <= 0 || box.h <= 0) return false;
          const mid = box.y + box.h / 2;
          return !list || (mid >= list.y + 4 && mid <= list.y + list.height - 4);
        });
    });
    const word = new RegExp(`\\b${color}\\b`, 'g');
    return siblings.map((s) => ({
      goal: goal.replace(word, s.color),
      step: {
        thought: step.thought.replace(word, s.color),
        action: { ...a, start: centreCell(s.box) },
        startBox: s.box,
      },
    }));
  }

  private async expertStep(): Promise<Step> {
    const { kind, color, word } = this.task;
    const need = async (s: string) => {
      const b = await this.box(s);
      if (!b) throw new Error(`gui-agent expert (${kind}): '${s}' is not on the page`);
      return b;
    };
    switch (kind) {
      case 'button':
        return {
          thought: `I click the ${color} button.`,
          action: { type: 'click', start: centreCell(await need('#target')) },
        };
      case 'checkbox':
        return {
          thought: `I check the ${color} box.`,
          action: { type: 'click', start: centreCell(await need('#target')) },
        };
      case 'open':
        return {
          thought: `I double click the ${color} file.`,
          action: { type: 'left_double', start: centreCell(await need('#target')) },
        };
      case 'context':
        return {
          thought: `I right click the ${color} circle.`,
          action: { type: 'right_single', start: centreCell(await need('#target')) },
        };
      case 'slider':
        return {
          thought: `I drag the handle to the ${color} mark.`,
          action: {
            type: 'drag',
            start: centreCell(await need('.handle')),
            end: centreCell(await need('#mark')),
          },
        };
      case 'text': {
        const focused = await this.page.evaluate(() => document.activeElement?.id === 'target');
        if (!focused)
          return {
            thought: `I click the ${color} field.`,
            action: { type: 'click', start: centreCell(await need('#target')) },
          };
        return { thought: `I type ${word} and press enter.`, action: { type: 'type', content: `${word}\n` } };
      }
      case 'dropdown': {
        if (!(await this.box('.ddlist.open')))
          return {
            thought: 'I open the menu.',
            action: { type: 'click', start: centreCell(await need('.dd')) },
          };
        return {
          thought: `I choose ${color}.`,
          action: { type: 'click', start: centreCell(await need('#target')) },
        };
      }
      case 'scroll': {
        const list = await need('.list');
        const item = await need('#target');
        // Clickable when the item's middle row lies inside the list's visible area.
        const mid = item.y + item.h / 2;
        if (mid < list.y + 4)
          return {
            thought: `The ${color} item is above.`,
            action: { type: 'scroll', start: centreCell(list), direction: 'up' },
          };
        if (mid > list.y + list.h - 4)
          return {
            thought: `The ${color} item is below.`,
            action: { type: 'scroll', start: centreCell(list), direction: 'down' },
          };
        return { thought: `I click the ${color} item.`, action: { type: 'click', start: centreCell(item) } };
      }
      case 'dialog': {
        if (await this.box('.dialog'))
          return { thought: 'A dialog is open, I press escape.', action: { type: 'hotkey', keys: ['esc'] } };
        return {
          thought: `I click the ${color} button.`,
          action: { type: 'click', start: centreCell(await need('#target')) },
        };
      }
    }
  }
}
