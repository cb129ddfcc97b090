import { TesseraError } from '@tessera/core';

export interface CharTokenizerOptions {
  /**
   * What to do with characters outside the vocabulary: 'error' (default) throws naming the
   * character and its position, 'skip' drops them, and `{ token }` maps them to that character,
   * which is added to the vocabulary if missing.
   */
  unknown?: 'error' | 'skip' | { token: string };
}

/**
 * A character-level tokenizer: one id per Unicode code point of the vocabulary, ids in the order
 * of the vocabulary (sorted by code point when built from a corpus).
 */
export class CharTokenizer {
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;
  private readonly unknown: 'error' | 'skip' | number;

  constructor(vocab: Iterable<string>, options: CharTokenizerOptions = {}) {
    const chars = [...vocab];
    const unk = options.unknown ?? 'error';
    if (typeof unk === 'object' && !chars.includes(unk.token)) chars.push(unk.token);
    const ids = new Map<string, number>();
    chars.forEach((ch, i) => {
      if ([...ch].length !== 1)
        throw new TesseraError(
          'CharTokenizer',
          `vocabulary entry ${i}, ${JSON.stringify(ch)}, is not one character`,
        );
      if (ids.has(ch))
        throw new TesseraError(
          'CharTokenizer',
          `character ${JSON.stringify(ch)} appears twice in the vocabulary (entries ${ids.get(ch)} and ${i})`,
        );
      ids.set(ch, i);
    });
    this.vocab = chars;
    this.ids = ids;
    this.unknown = typeof unk === 'object' ? (ids.get(unk.token) as number) : unk;
  }

  /** The distinct characters of a corpus, sorted by code point. */
  static fromCorpus(corpus: string, options: CharTokenizerOptions = {}): CharTokenizer {
    const set = [...new Set(corpus)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer(set, options);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    let position = 0;
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id !== undefined) out.push(id);
      else if (this.unknown === 'error') {
        throw new TesseraError(
          'CharTokenizer.encode',
          `character ${JSON.stringify(ch)} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) at position ${position} is not in the ${this.vocab.length}-character vocabulary`,
        );
      } else if (this.unknown !== 'skip') out.push(this.unknown);
      position++;
    }
    return out;
  }

  decode(ids: Iterable<number>): string {
    let s = '';
    for (const id of ids) {
      const ch = this.vocab[id];
      if (!Number.isInteger(id) || ch === undefined) {
        throw new TesseraError('CharTokenizer.decode', `id ${id} is outside [0, ${this.vocab.length})`);
      }
      s += ch;
    }
    return s;
  }

  /** The vocabulary as a JSON-friendly object; `CharTokenizer.fromJSON` restores it. */
  toJSON(): { vocab: string[] } {
    return { vocab: [...this.vocab] };
  }

  /** Restores `toJSON`'s object (e.g. parsed from a file), checking that `vocab` is an array of strings. */
  static fromJSON(json: { vocab: string[] }, options: CharTokenizerOptions = {}): CharTokenizer {
    const vocab = (json as { vocab?: unknown } | null)?.vocab;
    if (!Array.isArray(vocab))
      throw new TesseraError(
        'CharTokenizer.fromJSON',
        `expected an object { vocab: string[] }, got ${JSON.stringify(json)?.slice(0, 80)}`,
      );
    vocab.forEach((ch, i) => {
      if (typeof ch !== 'string')
        throw new TesseraError(
          'CharTokenizer.fromJSON',
          `vocab entry ${i} is ${JSON.stringify(ch)}, not a string`,
        );
    });
    return new CharTokenizer(vocab, options);
  }
}
