import { encodePng, Raster } from '@tessera/plot';
import type { Example, Scene } from './scenes.js';

/** A scene as a PNG, each pixel drawn as a scale×scale block. */
export function scenePng(scene: Scene, scale = 4): Uint8Array {
  const img = new Raster(scene.width * scale, scene.height * scale, [0, 0, 0]);
  for (let y = 0; y < scene.height; y++) {
    for (let x = 0; x < scene.width; x++) {
      const i = (y * scene.width + x) * 3;
      img.fillRect(x * scale, y * scale, scale, scale, [
        scene.pixels[i],
        scene.pixels[i + 1],
        scene.pixels[i + 2],
      ]);
    }
  }
  return encodePng(img.width, img.height, img.pixels);
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface PageRow {
  example: Example;
  native: string;
  square: string;
  squareScene: Scene;
}

/** An HTML page of held-out examples: the picture at native size and square-resized, the question, the answers. */
export function examplesPage(title: string, summary: string, rows: readonly PageRow[]): string {
  const img = (s: Scene) =>
    `<img alt="${s.width}×${s.height}" src="data:image/png;base64,${Buffer.from(scenePng(s)).toString('base64')}">`;
  const mark = (got: string, want: string) =>
    `<span class="${got === want ? 'ok' : 'bad'}">${escapeHtml(got)}</span>`;
  const body = rows
    .map(
      (
        r,
      ) => `<tr><td>${img(r.example.scene)}<br>${r.example.scene.width}×${r.example.scene.height}</td><td>${img(r.squareScene)}</td>
<td>${escapeHtml(r.example.question.type)}</td><td>${escapeHtml(r.example.question.words.join(' '))}</td>
<td>${escapeHtml(r.example.question.answer)}</td><td>${mark(r.native, r.example.question.answer)}</td><td>${mark(r.square, r.example.question.answer)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:2em}td{padding:6px 10px;vertical-align:middle;border-bottom:1px solid #ddd}
img{image-rendering:pixelated}.ok{color:#1a7f37;font-weight:bold}.bad{color:#c62828;font-weight:bold}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(summary)}</p>
<table><tr><th>picture (native)</th><th>square-resized</th><th>type</th><th>question</th><th>truth</th><th>native input</th><th>square input</th></tr>
${body}
</table></body></html>
`;
}
