import { bookGridWorld, GRID_ACTION_ARROWS, type GridWorld, greedyActions } from '@tessera/rl';
import { el, numberInput, svg } from '../dom.js';
import { ALGORITHMS, type Algorithm, type Frame, frames } from './frames.js';

const CELL = 76;

/** Milliseconds between frames: value iteration has many small steps, the others few big ones. */
const DELAY: Record<Algorithm, number> = {
  'value-iteration': 25,
  'policy-iteration': 700,
  'mc-exploring-starts': 350,
};

/** The GridWorld tab: the book's 5×5 grid, editable rewards and γ, three algorithms animated. */
export function gridWorldPage(root: HTMLElement): void {
  const fields = {
    rTarget: numberInput('r target', 'gw-r-target', 1, { step: '0.5' }),
    rForbidden: numberInput('r forbidden', 'gw-r-forbidden', -1, { step: '0.5' }),
    rBoundary: numberInput('r boundary', 'gw-r-boundary', -1, { step: '0.5' }),
    rOther: numberInput('r other', 'gw-r-other', 0, { step: '0.5' }),
    gamma: numberInput('γ', 'gw-gamma', 0.9, { step: '0.05', min: '0', max: '0.99' }),
  };
  const algorithm = el(
    'select',
    { id: 'gw-algorithm' },
    ...Object.entries(ALGORITHMS).map(([value, label]) => el('option', { value }, label)),
  );
  const run = el('button', { type: 'button', class: 'action', id: 'gw-run' }, 'Run');
  const status = el('p', { class: 'status', id: 'gw-status', 'data-testid': 'gw-status' });
  const board = svg('svg', { class: 'grid', id: 'gw-grid', width: CELL * 5 + 2, height: CELL * 5 + 2 });

  root.append(
    el(
      'div',
      { class: 'panel' },
      el('h2', {}, 'GridWorld'),
      el(
        'div',
        { class: 'controls' },
        ...Object.values(fields).flat(),
        el('label', { for: 'gw-algorithm' }, 'algorithm'),
        algorithm,
      ),
      run,
      el(
        'p',
        { class: 'note' },
        'The 5×5 grid of Zhao’s Mathematical Foundations of Reinforcement Learning: orange cells are ' +
          'forbidden, blue is the target. Each cell shows v(s) and the greedy action.',
      ),
    ),
    el('div', { class: 'panel' }, board, status),
  );

  let timer: ReturnType<typeof setTimeout> | undefined;
  const readGrid = (): GridWorld => {
    const n = (k: keyof typeof fields) => Number(fields[k][1].value);
    return bookGridWorld({
      rTarget: n('rTarget'),
      rForbidden: n('rForbidden'),
      rBoundary: n('rBoundary'),
      rOther: n('rOther'),
      gamma: n('gamma'),
    });
  };
  const start = () => {
    clearTimeout(timer);
    let grid: GridWorld;
    try {
      grid = readGrid();
    } catch (e) {
      status.textContent = (e as Error).message;
      return;
    }
    const algo = algorithm.value as Algorithm;
    const it = frames(algo, grid);
    const tick = () => {
      const next = it.next();
      if (next.done) return;
      draw(board, grid, next.value);
      status.textContent = `${ALGORITHMS[algo]}: ${next.value.caption}`;
      status.dataset.done = String(next.value.done);
      if (!next.value.done) timer = setTimeout(tick, DELAY[algo]);
    };
    status.dataset.done = 'false';
    tick();
  };
  run.addEventListener('click', start);
  draw(board, readGrid(), undefined);
}

/** Cell colour for a value: from white at the lowest value on the grid to green at the highest. */
function shade(v: number, low: number, high: number): string {
  const t = high > low ? (v - low) / (high - low) : 0;
  return `rgba(64, 160, 96, ${(0.05 + 0.5 * t).toFixed(3)})`;
}

function draw(board: SVGElement, grid: GridWorld, frame: Frame | undefined): void {
  board.replaceChildren();
  const actions = frame ? greedyActions(frame.policy) : undefined;
  const low = frame ? Math.min(...frame.v) : 0;
  const high = frame ? Math.max(...frame.v) : 0;
  for (let s = 0; s < grid.nS; s++) {
    const [r, c] = grid.cellOf(s);
    const x = 1 + c * CELL;
    const y = 1 + r * CELL;
    const kind = grid.isTarget(s) ? 'target' : grid.isForbidden(s) ? 'forbidden' : 'plain';
    const fill = kind === 'target' ? '#6fb7e8' : kind === 'forbidden' ? '#f2b35b' : '#fff';
    board.append(svg('rect', { x, y, width: CELL, height: CELL, fill, stroke: '#9aa3b5' }));
    if (!frame || !actions) continue;
    if (kind === 'plain') {
      board.append(
        svg('rect', {
          x: x + 1,
          y: y + 1,
          width: CELL - 2,
          height: CELL - 2,
          fill: shade(frame.v[s], low, high),
        }),
      );
    }
    const arrow = svg('text', { x: x + CELL / 2, y: y + 34, 'text-anchor': 'middle', 'font-size': 26 });
    arrow.textContent = GRID_ACTION_ARROWS[actions[s]];
    const value = svg('text', {
      x: x + CELL / 2,
      y: y + CELL - 10,
      'text-anchor': 'middle',
      'font-size': 15,
      'data-state': s,
      'data-value': frame.v[s],
      class: 'value',
    });
    value.textContent = frame.v[s].toFixed(1);
    board.append(arrow, value);
  }
}
