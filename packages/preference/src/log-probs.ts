import { type Tensor, TesseraError, where } from '@tessera/core';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Log-probabilities of whole responses, one value per sequence. */
export interface SequenceLogProbs {
  /** Σₜ mₜ·log p(yₜ | y<ₜ, x): the log-probability of the response [b]. */
  sum: Tensor;
  /** sum / count: the per-token average [b] (0 for a row without response tokens). */
  mean: Tensor;
  /** Σₜ mₜ: response tokens per sequence [b], in the logits' dtype. */
  count: Tensor;
}

/**
 * Per-position log-probabilities of the labels, log softmax(logits)[b, t, labels[b, t]], with
 * masked-out positions set to 0 (their labels may be anything, e.g. padding or −100). The log-softmax is
 * max-shifted, so large logits never overflow.
 */
export function tokenLogProbs(logits: Tensor, labels: Tensor, mask: Tensor): Tensor {
  checkAligned('tokenLogProbs', logits, labels, mask);
  const keep = mask.dtype === 'bool' ? mask : mask.ne(0);
  const safeLabels = where(keep, labels, 0);
  const picked = logits.logSoftmax(-1).gather(2, safeLabels.unsqueeze(-1)).squeeze(-1);
  return where(keep, picked, 0);
}

/**
 * The log-probability of each sequence's response: logits [b, s, vocab] score labels [b, s] (i32)
 * position by position (logits[:, t] is the distribution of labels[:, t]; for a causal language
 * model pass logits[:, :-1] and tokens[:, 1:], as `causalLogProbs` does), and mask [b, s] (bool or
 * numeric, nonzero = response token) excludes the prompt and the padding. Returns the sum, the
 * per-token mean and the token count.
 */
export function sequenceLogProbs(logits: Tensor, labels: Tensor, mask: Tensor): SequenceLogProbs {
  const perToken = tokenLogProbs(logits, labels, mask);
  const keep = mask.dtype === 'bool' ? mask : mask.ne(0);
  const sum = perToken.sum(-1);
  const count = keep.cast(logits.dtype).sum(-1);
  const mean = sum.div(count.clamp(1));
  return { sum, mean, count };
}

/**
 * `sequenceLogProbs` for a causal language model's logits over its own input: logits [b, s, vocab]
 * computed from tokens [b, s], where position t predicts token t + 1, and responseMask [b, s] marks
 * the response tokens. The first token is never scored (nothing predicts it).
 */
export function causalLogProbs(logits: Tensor, tokens: Tensor, responseMask: Tensor): SequenceLogProbs {
  checkAligned('causalLogProbs', logits, tokens, responseMask);
  const s = tokens.shape[1];
  if (s < 2) {
    throw new TesseraError(
      'causalLogProbs',
      `sequences need at least 2 tokens to score one, got [${tokens.shape}]`,
    );
  }
  return sequenceLogProbs(logits.slice(1, 0, s - 1), tokens.slice(1, 1, s), responseMask.slice(1, 1, s));
}

function checkAligned(op: string, logits: Tensor, labels: Tensor, mask: Tensor): void {
  if (logits.rank !== 3) {
    throw new TesseraError(op, `logits must be [batch, seq, vocab], got ${fmt(logits.shape)}`);
  }
  if (logits.dtype !== 'f32' && logits.dtype !== 'f64') {
    throw new TesseraError(op, `logits must be f32 or f64, got ${logits.dtype}`);
  }
  const [b, s] = logits.shape;
  if (labels.dtype !== 'i32' || labels.rank !== 2 || labels.shape[0] !== b || labels.shape[1] !== s) {
    throw new TesseraError(
      op,
      `labels must be i32 [${b}, ${s}] to match logits ${fmt(logits.shape)}, got ${labels.dtype} ${fmt(labels.shape)}`,
    );
  }
  if (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== s) {
    throw new TesseraError(
      op,
      `mask must be [${b}, ${s}] to match logits ${fmt(logits.shape)}, got ${fmt(mask.shape)}`,
    );
  }
}
