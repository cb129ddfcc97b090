import { concat, full, type Tensor } from '@tessera/core';
import { Linear, Module, type ModuleOptions } from '@tessera/nn';
import { COORDINATES, FIRST_COORDINATE } from './tokenizer.js';

/** Logit of the coordinate values no screenshot pixel has (x past the width, y past the height). */
const IMPOSSIBLE = -1e4;

/** The merged image-token grid and the side of the square of screenshot pixels each token covers. */
export interface TokenGrid {
  rows: number;
  cols: number;
  cell: number;
}

/**
 * Coordinate tokens as a pointer over the image tokens (in the manner of pointer networks and
 * Kosmos-2's location tokens). At every response position the decoder state h scores each image
 * token i: p(i) = softmax_i(q(h)·k(zᵢ)/√d), zᵢ the image token's final state; each image token
 * also says where inside its cell×cell square the point lies, p(dx | i) and p(dy | i) (cell-way
 * softmaxes of zᵢ). A coordinate token v then gets, as an x value, p_x(v) = Σ_{i in column ⌊v/cell⌋}
 * p(i)·p(dx = v mod cell | i), and as a y value p_y(v) = Σ_{i in row ⌊v/cell⌋} p(i)·p(dy = v mod cell | i);
 * a learned gate g(h) mixes the two: p(v) = g·p_x(v) + (1 − g)·p_y(v). The text head's total
 * probability of "some coordinate token" is kept and shared out by p(v); every other token's logit
 * is the text head's. The output is an ordinary distribution over the vocabulary whose coordinate
 * tokens are the screenshot's pixels, so the action text and its mapping to the page are unchanged.
 */
export class PointerHead extends Module {
  readonly query: Linear;
  readonly key: Linear;
  /** Image token state → cell logits of dx, then cell logits of dy. */
  readonly offsets: Linear;
  readonly gate: Linear;

  constructor(
    readonly dim: number,
    readonly cell: number,
    options: ModuleOptions = {},
  ) {
    super();
    this.query = this.register('query', new Linear(dim, dim, { ...options, bias: false }));
    this.key = this.register('key', new Linear(dim, dim, { ...options, bias: false }));
    this.offsets = this.register('offsets', new Linear(dim, 2 * cell, options));
    this.gate = this.register('gate', new Linear(dim, 1, options));
  }

  /**
   * Logits [b, s, vocab]: `textLogits` [b, s, vocab] with the coordinate tokens' logits replaced
   * by the pointer's, from the text positions' states `text` [b, s, dim] and the image tokens'
   * states `image` [b, rows·cols, dim] laid out row-major on `grid`.
   */
  forward(textLogits: Tensor, text: Tensor, image: Tensor, grid: TokenGrid): Tensor {
    const { rows, cols, cell } = grid;
    const [b, s] = text.shape;
    const n = rows * cols;
    if (cell !== this.cell || image.shape[1] !== n || cols * cell > COORDINATES || rows * cell > COORDINATES)
      throw new Error(
        `gui-agent PointerHead: expected ${n} image tokens of ${this.cell}-pixel cells on a ${rows}×${cols} grid within ${COORDINATES} coordinates, got [${image.shape}] with cell ${cell}`,
      );
    const scores = this.query
      .forward(text)
      .matmul(this.key.forward(image).transpose(1, 2))
      .mul(1 / Math.sqrt(this.dim));
    const where = scores.logSoftmax(-1).reshape([b, s, n, 1]);
    const offsets = this.offsets.forward(image);
    const dx = offsets.slice(2, 0, cell).logSoftmax(-1).reshape([b, 1, n, cell]);
    const dy = offsets
      .slice(2, cell, 2 * cell)
      .logSoftmax(-1)
      .reshape([b, 1, n, cell]);
    // log p_x over x = col·cell + dx: sum over the rows; log p_y over y = row·cell + dy: sum over the columns.
    const px = where
      .add(dx)
      .reshape([b, s, rows, cols, cell])
      .logsumexp(2)
      .reshape([b, s, cols * cell]);
    const py = where
      .add(dy)
      .reshape([b, s, rows, cols, cell])
      .logsumexp(3)
      .reshape([b, s, rows * cell]);
    const gate = this.gate.forward(text);
    const pad = (t: Tensor) => {
      const missing = COORDINATES - t.shape[2];
      return missing === 0
        ? t
        : concat([t, full([b, s, missing], IMPOSSIBLE, { context: t.ctx, device: t.device })], 2);
    };
    // log g = −softplus(−a), log(1 − g) = −softplus(a).
    const asX = pad(px).sub(gate.neg().softplus());
    const asY = pad(py).sub(gate.softplus());
    const coordinate = concat([asX.unsqueeze(-1), asY.unsqueeze(-1)], -1).logsumexp(-1);
    const end = FIRST_COORDINATE + COORDINATES;
    const mass = textLogits.slice(2, FIRST_COORDINATE, end).logsumexp(-1, true);
    return concat(
      [
        textLogits.slice(2, 0, FIRST_COORDINATE),
        coordinate.add(mass),
        textLogits.slice(2, end, textLogits.shape[2]),
      ],
      2,
    );
  }
}
