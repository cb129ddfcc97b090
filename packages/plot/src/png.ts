import { deflateSync } from 'node:zlib';
import { crc32 } from './crc32.js';

/** The eight bytes every PNG file begins with. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/**
 * Encodes an 8-bit RGB image (row-major, 3 bytes per pixel) as a PNG: signature, IHDR, one IDAT holding the
 * zlib-deflated scanlines (each prefixed with filter type 0, "None"), and IEND. Each chunk is
 * length (4 bytes, big-endian) · type · data · CRC-32 of type and data.
 */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  if (!(Number.isInteger(width) && width >= 1 && Number.isInteger(height) && height >= 1)) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new Error(
      `encodePng: expected ${width * height * 3} bytes for ${width}x${height} RGB, got ${rgb.length}`,
    );
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type 2: truecolour RGB
  // bytes 10–12: compression 0 (deflate), filter method 0, no interlace
  const stride = width * 3;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const chunks = [chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(PNG_SIGNATURE.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(PNG_SIGNATURE, 0);
  let offset = PNG_SIGNATURE.length;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Reads width and height back from a PNG's IHDR, checking the signature and chunk type on the way. */
export function readPngSize(png: Uint8Array): { width: number; height: number } {
  if (png.length < 24 || PNG_SIGNATURE.some((b, i) => png[i] !== b))
    throw new Error('readPngSize: not a PNG file');
  const type = String.fromCharCode(png[12], png[13], png[14], png[15]);
  if (type !== 'IHDR') throw new Error(`readPngSize: first chunk is ${type}, not IHDR`);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
