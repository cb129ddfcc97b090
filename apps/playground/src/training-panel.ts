import type { TrainProgress } from './compute/protocol.js';
import { el } from './dom.js';
import { LossChart } from './loss-chart.js';

export interface TrainingPanelOptions {
  /** Prefix of the elements' ids: `${id}-train`, `${id}-status`, `${id}-chart`. */
  id: string;
  title: string;
  /** Labelled inputs for the `.controls` grid. */
  controls: Node[];
  /** What the loss chart plots. */
  lossLabel: string;
  /** What the throughput counts per second: 'samples' or 'tokens'. */
  unit: string;
  note: string;
}

/**
 * A tab's training panel: controls, a Train button, a status line and a live loss chart. The
 * status's `data-state` is `training`, `trained` or `error`, for tests and for CSS.
 */
export class TrainingPanel {
  readonly element: HTMLElement;
  readonly status: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly chart: LossChart;

  constructor(private readonly o: TrainingPanelOptions) {
    this.button = el('button', { type: 'button', class: 'action', id: `${o.id}-train` }, 'Train');
    this.status = el('p', { class: 'status', id: `${o.id}-status` });
    this.chart = new LossChart(o.lossLabel, `${o.id}-chart`);
    this.element = el(
      'div',
      { class: 'panel' },
      el('h2', {}, o.title),
      el('div', { class: 'controls' }, ...o.controls),
      this.button,
      this.status,
      this.chart.element,
      el('p', { class: 'note' }, o.note),
    );
  }

  /**
   * On each click: runs `train` with a progress callback that draws the loss and the throughput,
   * then shows `summary(result, rate)` (rate: the last throughput), or the error.
   */
  onTrain<R>(
    train: (onProgress: (p: TrainProgress) => void) => Promise<R>,
    summary: (result: R, rate: string) => string,
    after?: (result: R) => Promise<void> | void,
  ): void {
    const { status, chart, button } = this;
    const perSecond = (rate: number) => `${Math.round(rate).toLocaleString('en-US')} ${this.o.unit}/s`;
    button.addEventListener('click', async () => {
      button.disabled = true;
      chart.reset();
      status.dataset.state = 'training';
      status.textContent = 'Starting…';
      let rate = 0;
      try {
        const result = await train((p) => {
          chart.add(p.step, p.loss);
          rate = p.rate;
          status.textContent = `step ${p.step}/${p.total} · loss ${p.loss.toFixed(3)} · ${perSecond(p.rate)}`;
        });
        status.dataset.state = 'trained';
        status.textContent = summary(result, perSecond(rate));
        await after?.(result);
      } catch (e) {
        status.dataset.state = 'error';
        status.textContent = `Training failed: ${(e as Error).message}`;
      } finally {
        button.disabled = false;
      }
    });
  }
}
