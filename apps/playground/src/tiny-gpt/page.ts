import type { ComputeClient } from '../compute/client.js';
import { el, numberInput } from '../dom.js';
import { TrainingPanel } from '../training-panel.js';

/**
 * The Tiny GPT tab: train the 2-digit addition transformer in the page, then type a problem and
 * watch the answer decoded token by token with the KV cache.
 */
export function tinyGptPage(root: HTMLElement, compute: ComputeClient): void {
  const steps = numberInput('steps', 'gpt-steps', 500, { min: '1', max: '5000' });
  const batch = numberInput('batch', 'gpt-batch', 64, { min: '1', max: '512' });
  const lr = numberInput('peak lr', 'gpt-lr', 0.01, { step: '0.001', min: '0' });
  const seed = numberInput('seed', 'gpt-seed', 1, { min: '0', step: '1' });
  const panel = new TrainingPanel({
    id: 'gpt',
    title: 'Train a tiny GPT to add',
    controls: [...steps, ...batch, ...lr, ...seed],
    lossLabel: 'cross-entropy on answer digits',
    unit: 'tokens',
    note:
      'A 2-block decoder-only transformer (@tessera/transformer: grouped-query flash attention, ' +
      'rotary positions, QK-norm, SwiGLU) learns 2-digit additions written as "47+38=580": the sum’s ' +
      'digits come least significant first, so each follows the digits and carry it depends on.',
  });
  const problem = el('input', { id: 'gpt-problem', value: '47+38', size: '7', disabled: '' });
  const decode = el('button', { type: 'button', class: 'action', id: 'gpt-decode', disabled: '' }, 'Decode');
  const answer = el('div', { class: 'answer', id: 'gpt-answer' });
  const tokenList = el('ol', { id: 'gpt-tokens', class: 'note' });
  const verdict = el('p', { class: 'status', id: 'gpt-verdict' });

  root.append(
    panel.element,
    el(
      'div',
      { class: 'panel' },
      el('h2', {}, 'Ask it'),
      el('div', {}, problem, ' ', decode),
      answer,
      tokenList,
      verdict,
    ),
  );

  panel.onTrain(
    (onProgress) =>
      compute.call(
        'gptTrain',
        {
          steps: Number(steps[1].value),
          batch: Number(batch[1].value),
          lr: Number(lr[1].value),
          seed: Number(seed[1].value),
        },
        { onProgress },
      ),
    (r, rate) => {
      panel.status.dataset.accuracy = String(r.accuracy);
      return (
        `${(100 * r.accuracy).toFixed(1)}% exact answers on ${r.heldOut} held-out problems · ` +
        `${r.parameters.toLocaleString('en-US')} parameters trained in ${r.seconds.toFixed(1)} s (${rate})`
      );
    },
    () => {
      problem.removeAttribute('disabled');
      decode.removeAttribute('disabled');
    },
  );

  decode.addEventListener('click', async () => {
    const m = /^\s*(\d{1,2})\s*\+\s*(\d{1,2})\s*$/.exec(problem.value);
    answer.textContent = '';
    tokenList.replaceChildren();
    delete verdict.dataset.sum;
    if (!m) {
      verdict.textContent = 'Type two numbers from 0 to 99, e.g. 47+38.';
      return;
    }
    const [a, b] = [Number(m[1]), Number(m[2])];
    decode.disabled = true;
    try {
      let shown = '';
      const r = await compute.call(
        'gptDecode',
        { a, b },
        {
          onProgress: (t) => {
            shown += t.token;
            answer.textContent = `${String(a).padStart(2, '0')}+${String(b).padStart(2, '0')}=${shown}`;
            tokenList.append(
              el('li', {}, `“${t.token}” in ${t.ms.toFixed(1)} ms · ${t.cached} positions in the KV cache`),
            );
          },
        },
      );
      answer.textContent = `${r.prompt}${r.answer}`;
      verdict.dataset.sum = String(r.sum);
      const right = r.sum === a + b;
      verdict.textContent = `The digits ${r.answer} reversed: ${r.sum} ${right ? '✓' : `✗ (${a} + ${b} = ${a + b})`}`;
    } catch (e) {
      verdict.textContent = `Decoding failed: ${(e as Error).message}`;
    } finally {
      decode.disabled = false;
    }
  });
}
