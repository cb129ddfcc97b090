import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './bitmap-font.js';

export type Rgb = readonly [number, number, number];

/** A width×height RGB pixel buffer with the few drawing primitives the pictures need; (0,0) is top-left. */
export class Raster {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;

  constructor(width: number, height: number, background: Rgb = [255, 255, 255]) {
    if (!(Number.isInteger(width) && width >= 1 && Number.isInteger(height) && height >= 1)) {
      throw new Error(`Raster: width and height must be positive integers, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, color: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.pixels[i] = color[0];
    this.pixels[i + 1] = color[1];
    this.pixels[i + 2] = color[2];
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    for (let yy = Math.max(0, Math.round(y)); yy < Math.min(this.height, Math.round(y + h)); yy++) {
      for (let xx = Math.max(0, Math.round(x)); xx < Math.min(this.width, Math.round(x + w)); xx++) {
        this.setPixel(xx, yy, color);
      }
    }
  }

  strokeRect(x: number, y: number, w: number, h: number, color: Rgb, thickness = 1): void {
    this.fillRect(x, y, w, thickness, color);
    this.fillRect(x, y + h - thickness, w, thickness, color);
    this.fillRect(x, y, thickness, h, color);
    this.fillRect(x + w - thickness, y, thickness, h, color);
  }

  /** A line of the given thickness: a square brush stamped at evenly spaced points along it. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
    const r = (thickness - 1) / 2;
    for (let i = 0; i <= steps; i++) {
      const x = x0 + ((x1 - x0) * i) / steps;
      const y = y0 + ((y1 - y0) * i) / steps;
      this.fillRect(Math.round(x - r), Math.round(y - r), thickness, thickness, color);
    }
  }

  /** Fills a triangle by testing each pixel centre in its bounding box against the three edge functions. */
  fillTriangle(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, color: Rgb): void {
    const edge = (px: number, py: number, qx: number, qy: number, x: number, y: number) =>
      (qx - px) * (y - py) - (qy - py) * (x - px);
    const area = edge(ax, ay, bx, by, cx, cy);
    if (area === 0) return;
    for (let y = Math.floor(Math.min(ay, by, cy)); y <= Math.ceil(Math.max(ay, by, cy)); y++) {
      for (let x = Math.floor(Math.min(ax, bx, cx)); x <= Math.ceil(Math.max(ax, bx, cx)); x++) {
        const w0 = edge(bx, by, cx, cy, x + 0.5, y + 0.5) / area;
        const w1 = edge(cx, cy, ax, ay, x + 0.5, y + 0.5) / area;
        const w2 = edge(ax, ay, bx, by, x + 0.5, y + 0.5) / area;
        if (w0 >= 0 && w1 >= 0 && w2 >= 0) this.setPixel(x, y, color);
      }
    }
  }

  /** A ring of radius r: pixels whose centre lies within `thickness` of the circle. */
  strokeCircle(cx: number, cy: number, r: number, color: Rgb, thickness = 1): void {
    for (let y = Math.floor(cy - r - thickness); y <= Math.ceil(cy + r + thickness); y++) {
      for (let x = Math.floor(cx - r - thickness); x <= Math.ceil(cx + r + thickness); x++) {
        if (Math.abs(Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - r) <= thickness / 2) this.setPixel(x, y, color);
      }
    }
  }

  /** Pixel width of `text` at integer `scale` (one blank column between glyphs). */
  static textWidth(text: string, scale = 1): number {
    return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
  }

  static textHeight(scale = 1): number {
    return GLYPH_HEIGHT * scale;
  }

  /** Draws `text` with its top-left corner at (x, y), each font pixel a scale×scale block. */
  text(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    let penX = Math.round(x);
    for (const ch of text) {
      const rows = glyph(ch);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (rows[gy][gx] === '#')
            this.fillRect(penX + gx * scale, Math.round(y) + gy * scale, scale, scale, color);
        }
      }
      penX += (GLYPH_WIDTH + 1) * scale;
    }
  }

  /** Text centred on (cx, cy). */
  textCentered(cx: number, cy: number, text: string, color: Rgb, scale = 1): void {
    this.text(cx - Raster.textWidth(text, scale) / 2, cy - Raster.textHeight(scale) / 2, text, color, scale);
  }
}
