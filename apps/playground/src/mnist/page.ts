import type { ComputeClient } from '../compute/client.js';
import { el, numberInput } from '../dom.js';
import { TrainingPanel } from '../training-panel.js';
import { toMnistPixels } from './preprocess.js';

const SIZE = 280;

/** The MNIST tab: train an MLP on the page's digits, then draw a digit and see it classified. */
export function mnistPage(root: HTMLElement, compute: ComputeClient, digitsUrl: string): void {
  const epochs = numberInput('epochs', 'mn-epochs', 5, { min: '1', max: '50' });
  const hidden = numberInput('hidden units', 'mn-hidden', 128, { min: '8', max: '1024' });
  const panel = new TrainingPanel({
    id: 'mn',
    title: 'Train an MLP on MNIST',
    controls: [...epochs, ...hidden],
    lossLabel: 'cross-entropy',
    unit: 'samples',
    note:
      '784 → hidden → 10 with ReLU and AdamW, on 2,500 digits of the mnist package (500 more are held ' +
      'out for the accuracy), shipped with the page as one 2 MB file.',
  });
  const canvas = el('canvas', { class: 'draw', id: 'mn-canvas', width: String(SIZE), height: String(SIZE) });
  const preview = el('canvas', { id: 'mn-preview', width: '28', height: '28' });
  preview.style.cssText =
    'width:84px;height:84px;image-rendering:pixelated;background:#000;border-radius:4px';
  const clear = el('button', { type: 'button', class: 'plain', id: 'mn-clear' }, 'Clear');
  const prediction = el('div', { class: 'prediction', id: 'mn-prediction' }, '–');
  const probs = el('div', { class: 'probs', id: 'mn-probs' });

  root.append(
    panel.element,
    el('div', { class: 'panel' }, el('h2', {}, 'Draw a digit'), canvas, el('div', {}, clear)),
    el('div', { class: 'panel' }, el('h2', {}, 'Prediction'), prediction, preview, probs),
  );

  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const blank = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, SIZE, SIZE);
  };
  blank();
  let trained = false;

  const classify = async () => {
    if (!trained) return;
    const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
    const ink = new Float32Array(SIZE * SIZE);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i] / 255;
    const pixels = toMnistPixels(ink, SIZE, SIZE);
    if (!pixels) return;
    const img = preview.getContext('2d')!.createImageData(28, 28);
    pixels.forEach((p, i) => {
      img.data.set([255 * p, 255 * p, 255 * p, 255], 4 * i);
    });
    preview.getContext('2d')!.putImageData(img, 0, 0);
    const p = await compute.call('mnistClassify', { pixels });
    const best = p.indexOf(Math.max(...p));
    prediction.textContent = String(best);
    prediction.dataset.digit = String(best);
    probs.replaceChildren(
      ...p.flatMap((v, d) => {
        const bar = el('div', { class: 'bar' });
        bar.style.width = `${(160 * v).toFixed(1)}px`;
        return [el('span', {}, String(d)), el('div', {}, bar), el('span', {}, `${(100 * v).toFixed(1)}%`)];
      }),
    );
  };

  // Drawing: round strokes about as thick, relative to the digit, as MNIST's pen.
  let drawing = false;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * SIZE) / r.width, ((e.clientY - r.top) * SIZE) / r.height];
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 22;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...at(e));
    ctx.lineTo(...at(e));
    ctx.stroke();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    ctx.lineTo(...at(e));
    ctx.stroke();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    void classify();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear.addEventListener('click', () => {
    blank();
    prediction.textContent = '–';
    delete prediction.dataset.digit;
    probs.replaceChildren();
  });

  panel.onTrain(
    async (onProgress) => {
      panel.status.textContent = 'Loading the digits…';
      const response = await fetch(digitsUrl);
      if (!response.ok) throw new Error(`could not load ${digitsUrl}: HTTP ${response.status}`);
      const digits = await response.arrayBuffer();
      const request = {
        digits,
        epochs: Number(epochs[1].value),
        hidden: Number(hidden[1].value),
        batchSize: 64,
        lr: 5e-3,
        seed: 0,
      };
      return compute.call('mnistTrain', request, { transfer: [digits], onProgress });
    },
    (r, rate) => {
      panel.status.dataset.accuracy = String(r.testAccuracy);
      return (
        `${(100 * r.testAccuracy).toFixed(1)}% on ${r.testSize} held-out digits · ` +
        `${r.steps} steps in ${r.seconds.toFixed(1)} s (${rate}). Draw a digit →`
      );
    },
    async () => {
      trained = true;
      await classify();
    },
  );
}
