import { ProtoWriter } from './protobuf.js';

/** ONNX enum values used below. */
const FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

function valueInfo(w: ProtoWriter, field: number, name: string, shape: readonly number[]): void {
  w.message(field, (v) =>
    v.string(1, name).message(2, (type) =>
      type.message(1, (tensor) =>
        tensor.int(1, FLOAT).message(2, (s) => {
          for (const d of shape) s.message(1, (dim) => dim.int(1, d));
        }),
      ),
    ),
  );
}

/**
 * A naive attention graph, softmax(Q Kᵀ·scale) V over [b, h, s, d] float inputs q, k, v:
 * Transpose → MatMul → Mul → Softmax → MatMul (opset 13), as ModelProto bytes.
 */
export function naiveAttentionModel(shape: readonly number[]): Uint8Array {
  const [b, h, s, d] = shape;
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version
  model.string(2, 'tessera-bench');
  model.message(8, (o) => o.string(1, '').int(2, 13)); // opset_import: default domain, 13
  model.message(7, (g) => {
    g.message(1, (n) =>
      n
        .string(1, 'k')
        .string(2, 'kt')
        .string(4, 'Transpose')
        .message(5, (a) => {
          a.string(1, 'perm').int(20, ATTR_INTS);
          for (const p of [0, 1, 3, 2]) a.int(8, p);
        }),
    );
    g.message(1, (n) => n.string(1, 'q').string(1, 'kt').string(2, 'scores').string(4, 'MatMul'));
    g.message(1, (n) => n.string(1, 'scores').string(1, 'scale').string(2, 'scaled').string(4, 'Mul'));
    g.message(1, (n) =>
      n
        .string(1, 'scaled')
        .string(2, 'p')
        .string(4, 'Softmax')
        .message(5, (a) => a.string(1, 'axis').int(20, ATTR_INT).int(3, -1)),
    );
    g.message(1, (n) => n.string(1, 'p').string(1, 'v').string(2, 'o').string(4, 'MatMul'));
    g.string(2, 'attention');
    // initializer: the scalar 1/√d
    g.message(5, (t) =>
      t
        .int(2, FLOAT)
        .string(8, 'scale')
        .float(4, 1 / Math.sqrt(d)),
    );
    valueInfo(g, 11, 'q', [b, h, s, d]);
    valueInfo(g, 11, 'k', [b, h, s, d]);
    valueInfo(g, 11, 'v', [b, h, s, d]);
    valueInfo(g, 12, 'o', [b, h, s, d]);
  });
  return model.finish();
}
