/**
 * The few protobuf wire-format pieces needed to write an ONNX model by hand: varints,
 * length-delimited fields and fixed32 floats. Written here rather than depending on a
 * protobuf library for one tiny graph.
 */
export class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(n: number): void {
    let v = BigInt(n);
    if (v < 0n) v += 1n << 64n;
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  /** Field of wire type 0 (int32, int64, enum). */
  int(field: number, value: number): this {
    this.varint((field << 3) | 0);
    this.varint(value);
    return this;
  }

  /** Field of wire type 5 (float). */
  float(field: number, value: number): this {
    this.varint((field << 3) | 5);
    const b = new Uint8Array(new Float32Array([value]).buffer);
    this.bytes.push(...b);
    return this;
  }

  /** Field of wire type 2: bytes, a string or an embedded message. */
  bytesField(field: number, value: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(value.length);
    for (const b of value) this.bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}
