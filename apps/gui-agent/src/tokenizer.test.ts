import { describe, expect, it } from 'vitest';
import { decode, encode, VOCAB } from './tokenizer.js';

describe('tokenizer', () => {
  it('round-trips step text, with one token per coordinate and per known word', () => {
    const text = "Thought: I type cat and press enter.\nAction: type(content='cat\\n')";
    expect(decode(encode(text))).toBe(text);
    const click = "Action: click(start_box='(15,28)')";
    const ids = encode(click);
    expect(ids.map((i) => VOCAB[i])).toEqual([
      'Action',
      ':',
      ' click',
      '(',
      'start_box',
      "='(",
      '15',
      ',',
      '28',
      ")')",
    ]);
  });

  it('spells unknown words and large numbers character by character', () => {
    expect(encode('zebra 123').map((i) => VOCAB[i])).toEqual(['z', 'e', 'b', 'r', 'a', ' ', '1', '2', '3']);
    expect(decode(encode('zebra 123'))).toBe('zebra 123');
    expect(() => encode('é')).toThrow(/character "é" is not in the vocabulary/);
  });
});
