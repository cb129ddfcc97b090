import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { COLORS, makeTask, TASK_KINDS, WORDS } from './tasks.js';

describe('task layouts', () => {
  it('are a function of the seed, and differ between seeds', () => {
    for (const kind of TASK_KINDS) {
      expect(makeTask(kind, new Rng(3)).html).toBe(makeTask(kind, new Rng(3)).html);
      const layouts = new Set(Array.from({ length: 5 }, (_, s) => makeTask(kind, new Rng(s)).html));
      expect(layouts.size, kind).toBeGreaterThan(1);
    }
  });

  it('name their target in the goal and keep widgets apart', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 40; i++) {
      const kind = TASK_KINDS[i % TASK_KINDS.length];
      const task = makeTask(kind, rng);
      expect(COLORS).toContain(task.color);
      expect(task.goal).toContain(task.color);
      if (kind === 'text') expect(WORDS).toContain(task.word);
      // Absolutely placed widgets (left/top/width/height) do not overlap; the dialog overlay and the
      // dropdown's list (which opens over the page) are exempt.
      const boxes = [
        ...task.html.matchAll(
          /class="w (btn|check|file|tile)[^"]*"[^>]*left:(\d+)px;top:(\d+)px;width:(\d+)px;height:(\d+)px/g,
        ),
      ].map((m) => m.slice(2).map(Number));
      for (const [a, b] of boxes.flatMap((a, j) => boxes.slice(j + 1).map((b) => [a, b]))) {
        const apart =
          a[0] + a[2] <= b[0] || b[0] + b[2] <= a[0] || a[1] + a[3] <= b[1] || b[1] + b[3] <= a[1];
        expect(apart, `${kind}: ${a} and ${b}`).toBe(true);
      }
    }
  });
});
