import { describe, expect, it } from 'vitest';
import { CharTokenizer } from './char-tokenizer.js';

describe('CharTokenizer', () => {
  it('builds a code-point-sorted vocabulary and round-trips text, astral characters included', () => {
    const tok = CharTokenizer.fromCorpus('hello, wörld 🙂');
    expect(tok.vocab).toEqual([' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w', 'ö', '🙂']);
    expect(tok.vocabSize).toBe(11);
    expect(tok.encode('hell🙂')).toEqual([4, 3, 5, 5, 10]);
    expect(tok.decode(tok.encode('world, hello 🙂'))).toBe('world, hello 🙂');
  });

  it('handles unknown characters by error, skipping or an unknown token', () => {
    expect(() => CharTokenizer.fromCorpus('ab').encode('abc')).toThrow(
      'CharTokenizer.encode: character "c" (U+0063) at position 2 is not in the 2-character vocabulary',
    );
    expect(CharTokenizer.fromCorpus('ab', { unknown: 'skip' }).encode('axb')).toEqual([0, 1]);
    const tok = CharTokenizer.fromCorpus('ab', { unknown: { token: '?' } });
    expect(tok.vocab).toEqual(['a', 'b', '?']);
    expect(tok.decode(tok.encode('axb'))).toBe('a?b');
    expect(() => tok.decode([3])).toThrow('CharTokenizer.decode: id 3 is outside [0, 3)');
  });

  it('serializes its vocabulary', () => {
    const tok = CharTokenizer.fromCorpus('the cat');
    const again = CharTokenizer.fromJSON(JSON.parse(JSON.stringify(tok)));
    expect(again.encode('tac eht')).toEqual(tok.encode('tac eht'));
  });
});
