import { TesseraError } from '@tessera/core';
import type { Rng } from '@tessera/core/rng';

export const DIGIT_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
] as const;

/** Caption templates; `#` stands for the digit's word. */
export const TEMPLATES: readonly (readonly string[])[] = [
  ['#'],
  ['the', 'digit', '#'],
  ['a', 'handwritten', '#'],
  ['a', 'picture', 'of', 'the', 'number', '#'],
];

const FILLERS = ['the', 'digit', 'a', 'handwritten', 'picture', 'of', 'number'] as const;

/** The words of a caption of `digit` in template `template`. */
export function caption(digit: number, template: number): string[] {
  return TEMPLATES[template].map((w) => (w === '#' ? DIGIT_WORDS[digit] : w));
}

/** A caption of `digit` in a template drawn with `rng`. */
export function randomCaption(digit: number, rng: Rng): string[] {
  return caption(digit, rng.int(TEMPLATES.length));
}

/**
 * One vocabulary over text and images, in this order: the caption words (fillers, then the ten
 * digit words), end-of-text, begin-of-image, end-of-image, then the `codebookSize` image codes:
 * image code c is token `imageOffset + c`.
 */
export class FusionVocab {
  readonly words: readonly string[] = [...FILLERS, ...DIGIT_WORDS];
  readonly endOfText: number;
  readonly beginImage: number;
  readonly endImage: number;
  readonly imageOffset: number;
  readonly size: number;
  private readonly ids: Map<string, number>;

  constructor(readonly codebookSize: number) {
    if (!(Number.isInteger(codebookSize) && codebookSize >= 1)) {
      throw new TesseraError('FusionVocab', `codebookSize must be a positive integer, got ${codebookSize}`);
    }
    this.ids = new Map(this.words.map((w, i) => [w, i]));
    this.endOfText = this.words.length;
    this.beginImage = this.endOfText + 1;
    this.endImage = this.endOfText + 2;
    this.imageOffset = this.endOfText + 3;
    this.size = this.imageOffset + codebookSize;
  }

  /** Token ids of caption words. */
  encodeText(words: readonly string[]): number[] {
    return words.map((w, i) => {
      const id = this.ids.get(w);
      if (id === undefined) {
        throw new TesseraError(
          'FusionVocab.encodeText',
          `word ${i} '${w}' is not in the vocabulary (${this.words.join(', ')})`,
        );
      }
      return id;
    });
  }

  /** Words of text tokens; stops at end-of-text; throws on an image or special token. */
  decodeText(tokens: readonly number[]): string[] {
    const words: string[] = [];
    for (const t of tokens) {
      if (t === this.endOfText) break;
      if (!this.isText(t)) {
        throw new TesseraError(
          'FusionVocab.decodeText',
          `token ${t} is not a word (words are 0–${this.words.length - 1})`,
        );
      }
      words.push(this.words[t]);
    }
    return words;
  }

  isText(t: number): boolean {
    return Number.isInteger(t) && t >= 0 && t < this.words.length;
  }

  isImageCode(t: number): boolean {
    return Number.isInteger(t) && t >= this.imageOffset && t < this.size;
  }

  /** [begin-of-image, codes + offset…, end-of-image]. */
  encodeImage(codes: ArrayLike<number>): number[] {
    const out = [this.beginImage];
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (!(Number.isInteger(c) && c >= 0 && c < this.codebookSize)) {
        throw new TesseraError(
          'FusionVocab.encodeImage',
          `code ${i} is ${c}, outside 0–${this.codebookSize - 1}`,
        );
      }
      out.push(this.imageOffset + c);
    }
    out.push(this.endImage);
    return out;
  }

  /** Codebook indices of image tokens (begin/end-of-image markers around them are dropped). */
  decodeImage(tokens: readonly number[]): number[] {
    const start = tokens[0] === this.beginImage ? 1 : 0;
    const end = tokens[tokens.length - 1] === this.endImage ? tokens.length - 1 : tokens.length;
    return tokens.slice(start, end).map((t, i) => {
      if (!this.isImageCode(t)) {
        throw new TesseraError(
          'FusionVocab.decodeImage',
          `token ${start + i} is ${t}, not an image code (${this.imageOffset}–${this.size - 1})`,
        );
      }
      return t - this.imageOffset;
    });
  }

  /** The digit a caption names: the only digit word in it, or −1 when it names none or several. */
  digitOf(words: readonly string[]): number {
    const digits = words
      .map((w) => DIGIT_WORDS.indexOf(w as (typeof DIGIT_WORDS)[number]))
      .filter((d) => d >= 0);
    return digits.length === 1 ? digits[0] : -1;
  }
}
