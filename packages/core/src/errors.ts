/** Every error Tessera throws for bad input names the op it came from. */
export class TesseraError extends Error {
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'TesseraError';
    this.op = op;
  }
}

export function fail(op: string, message: string): never {
  throw new TesseraError(op, message);
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
