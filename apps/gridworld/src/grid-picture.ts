import { encodePng, Raster, type Rgb } from '@tessera/plot';
import { GRID_ACTION_ARROWS, type GridWorld, greedyActions, type Policy } from '@tessera/rl';

/** What a picture of a solved grid world shows: the grid, a state value per cell and the policy's arrows. */
export interface GridPicture {
  grid: GridWorld;
  v: ArrayLike<number>;
  policy: Policy;
  title: string;
}

const CELL = 96;
const MARGIN = 28;
const TITLE = 36;
const COLORS = {
  background: [255, 255, 255],
  forbidden: [255, 196, 120],
  target: [140, 190, 255],
  other: [250, 250, 250],
  border: [120, 120, 120],
  arrow: [20, 100, 40],
  text: [20, 20, 20],
  axis: [110, 110, 110],
} satisfies Record<string, Rgb>;

// Unit direction of each action in picture coordinates (y grows downwards); stay has none.
const DIRECTIONS: readonly (readonly [number, number])[] = [
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
];

function checkPicture({ grid, v, policy }: GridPicture, caller: string): void {
  if (v.length !== grid.nS)
    throw new Error(`${caller}: v has ${v.length} entries, the grid has ${grid.nS} cells`);
  if (policy.nS !== grid.nS || policy.nA !== grid.nA) {
    throw new Error(`${caller}: policy is ${policy.nS}x${policy.nA}, the grid needs ${grid.nS}x${grid.nA}`);
  }
}

function cellColor(grid: GridWorld, s: number): Rgb {
  if (grid.isForbidden(s)) return COLORS.forbidden;
  if (grid.isTarget(s)) return COLORS.target;
  return COLORS.other;
}

export function formatValue(x: number): string {
  return Math.abs(x) < 0.005 ? '0.00' : x.toFixed(2);
}

interface ArrowShape {
  kind: 'arrow' | 'stay';
  /** Shaft start and tip for arrows; centre and radius for stay. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  r: number;
  head: [number, number, number, number, number, number];
}

/**
 * The marks drawn in a cell: one per action with positive probability, arrows of length proportional to
 * π(a|s) so that a stochastic policy shows how much weight each action gets, as in the book's figures.
 */
function arrowShapes(picture: GridPicture, s: number, cx: number, cy: number): ArrowShape[] {
  const { nA, probs } = picture.policy;
  const shapes: ArrowShape[] = [];
  for (let a = 0; a < nA; a++) {
    const p = probs[s * nA + a];
    if (p <= 1e-9) continue;
    if (a >= DIRECTIONS.length) {
      const r = CELL * (0.06 + 0.08 * p);
      shapes.push({ kind: 'stay', x0: cx, y0: cy, x1: cx, y1: cy, r, head: [0, 0, 0, 0, 0, 0] });
      continue;
    }
    const [dx, dy] = DIRECTIONS[a];
    const length = CELL * (0.1 + 0.18 * p);
    const x1 = cx + dx * length;
    const y1 = cy + dy * length;
    const h = CELL * 0.1;
    // Arrowhead: the tip plus two points set back along the shaft and out to either side.
    const head: ArrowShape['head'] = [
      x1 + dx * h,
      y1 + dy * h,
      x1 - dy * h * 0.8,
      y1 + dx * h * 0.8,
      x1 + dy * h * 0.8,
      y1 - dx * h * 0.8,
    ];
    shapes.push({ kind: 'arrow', x0: cx, y0: cy, x1, y1, r: 0, head });
  }
  return shapes;
}

function layout(grid: GridWorld): { width: number; height: number; left: number; top: number } {
  return {
    width: MARGIN * 2 + grid.cols * CELL,
    height: TITLE + MARGIN * 2 + grid.rows * CELL,
    left: MARGIN,
    top: TITLE + MARGIN,
  };
}

/** A PNG of the grid: shaded cells, policy arrows in the upper part of each cell and v(s) below them. */
export function renderGridPng(picture: GridPicture): Uint8Array {
  checkPicture(picture, 'renderGridPng');
  const { grid, v, title } = picture;
  const { width, height, left, top } = layout(grid);
  const img = new Raster(width, height, COLORS.background);
  img.textCentered(width / 2, TITLE / 2 + 4, title, COLORS.text, 2);
  for (let c = 0; c < grid.cols; c++)
    img.textCentered(left + (c + 0.5) * CELL, top - MARGIN / 2, String(c + 1), COLORS.axis, 2);
  for (let r = 0; r < grid.rows; r++)
    img.textCentered(left / 2, top + (r + 0.5) * CELL, String(r + 1), COLORS.axis, 2);
  for (let s = 0; s < grid.nS; s++) {
    const [r, c] = grid.cellOf(s);
    const x = left + c * CELL;
    const y = top + r * CELL;
    img.fillRect(x, y, CELL, CELL, cellColor(grid, s));
    img.strokeRect(x, y, CELL + 1, CELL + 1, COLORS.border);
    for (const shape of arrowShapes(picture, s, x + CELL / 2, y + CELL * 0.38)) {
      if (shape.kind === 'stay') img.strokeCircle(shape.x0, shape.y0, shape.r, COLORS.arrow, 3);
      else {
        img.line(shape.x0, shape.y0, shape.x1, shape.y1, COLORS.arrow, 3);
        img.fillTriangle(...shape.head, COLORS.arrow);
      }
    }
    img.textCentered(x + CELL / 2, y + CELL * 0.86, formatValue(v[s]), COLORS.text, 2);
  }
  return encodePng(width, height, img.pixels);
}

const rgb = (c: Rgb) => `rgb(${c[0]},${c[1]},${c[2]})`;
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The same picture as SVG, with real text so it stays sharp when zoomed. */
export function renderGridSvg(picture: GridPicture): string {
  checkPicture(picture, 'renderGridSvg');
  const { grid, v, title } = picture;
  const { width, height, left, top } = layout(grid);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="${rgb(COLORS.background)}"/>`,
    `<text x="${width / 2}" y="${TITLE / 2 + 8}" text-anchor="middle" font-size="18">${escapeXml(title)}</text>`,
  ];
  for (let c = 0; c < grid.cols; c++) {
    parts.push(
      `<text x="${left + (c + 0.5) * CELL}" y="${top - 8}" text-anchor="middle" font-size="14" fill="${rgb(COLORS.axis)}">${c + 1}</text>`,
    );
  }
  for (let r = 0; r < grid.rows; r++) {
    parts.push(
      `<text x="${left / 2}" y="${top + (r + 0.5) * CELL + 5}" text-anchor="middle" font-size="14" fill="${rgb(COLORS.axis)}">${r + 1}</text>`,
    );
  }
  for (let s = 0; s < grid.nS; s++) {
    const [r, c] = grid.cellOf(s);
    const x = left + c * CELL;
    const y = top + r * CELL;
    parts.push(
      `<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="${rgb(cellColor(grid, s))}" stroke="${rgb(COLORS.border)}"/>`,
    );
    for (const a of arrowShapes(picture, s, x + CELL / 2, y + CELL * 0.38)) {
      if (a.kind === 'stay') {
        parts.push(
          `<circle cx="${a.x0}" cy="${a.y0}" r="${a.r.toFixed(1)}" fill="none" stroke="${rgb(COLORS.arrow)}" stroke-width="3"/>`,
        );
      } else {
        const pts = a.head.map((n) => n.toFixed(1));
        parts.push(
          `<line x1="${a.x0}" y1="${a.y0}" x2="${a.x1.toFixed(1)}" y2="${a.y1.toFixed(1)}" stroke="${rgb(COLORS.arrow)}" stroke-width="3"/>`,
          `<polygon points="${pts[0]},${pts[1]} ${pts[2]},${pts[3]} ${pts[4]},${pts[5]}" fill="${rgb(COLORS.arrow)}"/>`,
        );
      }
    }
    parts.push(
      `<text x="${x + CELL / 2}" y="${y + CELL * 0.88}" text-anchor="middle" font-size="16">${formatValue(v[s])}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

export function renderGridHtml(picture: GridPicture): string {
  const title = escapeXml(picture.title);
  return `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n${renderGridSvg(picture)}\n<p>Orange: forbidden cells. Blue: target. Arrows: π(a|s), longer for more probable actions; ○ stay.</p>\n</body>\n</html>\n`;
}

/**
 * The grid for a terminal: each cell shows the policy's most probable action and v(s); forbidden cells are
 * marked with ×, the target with ◎.
 */
export function renderGridText(picture: GridPicture): string {
  checkPicture(picture, 'renderGridText');
  const { grid, v, policy } = picture;
  const actions = greedyActions(policy);
  const lines: string[] = [picture.title];
  for (let r = 0; r < grid.rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < grid.cols; c++) {
      const s = grid.stateOf(r, c);
      const mark = grid.isForbidden(s) ? '×' : grid.isTarget(s) ? '◎' : ' ';
      cells.push(`${mark}${GRID_ACTION_ARROWS[actions[s]]}${formatValue(v[s]).padStart(7)}`);
    }
    lines.push(cells.join('  '));
  }
  return lines.join('\n');
}
