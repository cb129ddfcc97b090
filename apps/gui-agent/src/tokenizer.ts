import { COLORS, WORDS } from './tasks.js';

/** Padding (ignored by the loss), the start of the response, and its end. */
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
const SPECIAL = ['<pad>', '<bos>', '<eos>'];
/** The coordinate tokens '0'…'99' are ids FIRST_COORDINATE … FIRST_COORDINATE + COORDINATES − 1. */
export const FIRST_COORDINATE = SPECIAL.length;
export const COORDINATES = 100;

/** The words of goals, thoughts and action text; any other word is spelled out letter by letter. */
const LEXICON = [
  ...COLORS,
  ...WORDS,
  ...'Thought Action click the button check box open file right circle drag slider to mark type in field choose menu item list close dialog and I double handle press enter The is below above A escape esc start_box end_box key content direction left_double right_single hotkey scroll down up wait finished call_user ctrl shift alt none n'.split(
    ' ',
  ),
];

/** Token strings: special tokens, numbers 0–99 (one token per coordinate), words with and without a leading space, the box punctuation, printable ASCII. */
export const VOCAB: readonly string[] = [
  ...SPECIAL,
  ...Array.from({ length: COORDINATES }, (_, i) => String(i)),
  ...new Set(LEXICON.flatMap((w) => [w, ` ${w}`])),
  "='(",
  ")')",
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => !/[0-9]/.test(c)),
  '\n',
];
const ID = new Map(VOCAB.map((t, i) => [t, i]));

/** Pieces of text: the argument punctuation of actions, numbers, words (underscores included, with a leading space), single characters. */
const PIECES = /='\(|\)'\)|\d+| ?[A-Za-z_]+|[\s\S]/g;

/** Text → token ids: numbers below 100 and known words (with their leading space) are one token; anything else one per character. */
export function encode(text: string): number[] {
  const ids: number[] = [];
  for (const m of text.matchAll(PIECES)) {
    const id = ID.get(m[0]);
    if (id !== undefined) {
      ids.push(id);
      continue;
    }
    for (const ch of m[0]) {
      const c = ID.get(ch);
      if (c === undefined)
        throw new Error(`gui-agent tokenizer: character ${JSON.stringify(ch)} is not in the vocabulary`);
      ids.push(c);
    }
  }
  return ids;
}

/** Token ids → text (special tokens dropped). */
export function decode(ids: readonly number[]): string {
  return ids
    .filter((i) => i > EOS)
    .map((i) => VOCAB[i])
    .join('');
}
