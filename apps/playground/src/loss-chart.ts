import { svg } from './dom.js';

const W = 420;
const H = 220;
const PAD = { left: 46, right: 12, top: 12, bottom: 28 };

/** A live line chart of training loss against step, redrawn as points arrive. */
export class LossChart {
  readonly element: SVGElement;
  private readonly points: [number, number][] = [];
  private readonly path: SVGElement;
  private readonly axes: SVGElement;

  constructor(
    private readonly label: string,
    id: string,
  ) {
    this.element = svg('svg', { id, width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img' });
    this.element.setAttribute('aria-label', label);
    this.axes = svg('g');
    this.path = svg('path', { fill: 'none', stroke: '#2f6fde', 'stroke-width': 2 });
    this.element.append(this.axes, this.path);
    this.draw();
  }

  reset(): void {
    this.points.length = 0;
    this.draw();
  }

  add(step: number, loss: number): void {
    if (Number.isFinite(loss)) this.points.push([step, loss]);
    this.draw();
  }

  private draw(): void {
    const xs = this.points.map((p) => p[0]);
    const ys = this.points.map((p) => p[1]);
    const xMax = Math.max(1, ...xs);
    const yMax = ys.length ? Math.max(...ys) * 1.05 : 1;
    const yMin = ys.length ? Math.min(0, ...ys) : 0;
    const x = (v: number) => PAD.left + (v / xMax) * (W - PAD.left - PAD.right);
    const y = (v: number) => H - PAD.bottom - ((v - yMin) / (yMax - yMin || 1)) * (H - PAD.top - PAD.bottom);
    this.axes.replaceChildren();
    const line = (x1: number, y1: number, x2: number, y2: number, stroke = '#d7dbe3') =>
      this.axes.append(svg('line', { x1, y1, x2, y2, stroke }));
    const text = (tx: number, ty: number, s: string, anchor = 'end') => {
      const t = svg('text', { x: tx, y: ty, 'font-size': 11, fill: '#5d6678', 'text-anchor': anchor });
      t.textContent = s;
      this.axes.append(t);
    };
    for (let i = 0; i <= 4; i++) {
      const v = yMin + ((yMax - yMin) * i) / 4;
      line(PAD.left, y(v), W - PAD.right, y(v));
      text(PAD.left - 4, y(v) + 4, v.toFixed(2));
    }
    line(PAD.left, H - PAD.bottom, W - PAD.right, H - PAD.bottom, '#5d6678');
    text(PAD.left, H - 8, '0', 'middle');
    text(W - PAD.right, H - 8, String(xMax), 'middle');
    text((PAD.left + W - PAD.right) / 2, H - 8, `step · ${this.label}`, 'middle');
    // The plotted values, for tests and for anyone reading the page's DOM.
    this.element.setAttribute('data-losses', ys.join(','));
    this.path.setAttribute(
      'd',
      this.points.map(([s, l], i) => `${i ? 'L' : 'M'}${x(s).toFixed(1)},${y(l).toFixed(1)}`).join(''),
    );
  }
}
