import type { Rng } from '@tessera/core/rng';

/** The page every task is laid out on, in CSS pixels; screenshots shrink it 3× to 64×48. */
export const PAGE = { width: 192, height: 144 } as const;

export const COLORS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'] as const;
export type Color = (typeof COLORS)[number];
/** The colours as CSS draws them. */
export const CSS: Record<Color, string> = {
  red: '#e02020',
  green: '#20a040',
  blue: '#2050e0',
  yellow: '#e0c000',
  purple: '#9030c0',
  orange: '#f08020',
};

/** Words typed into text fields. */
export const WORDS = ['cat', 'dog', 'sun', 'map', 'box', 'tea', 'pen', 'cup'] as const;

/** Tasks one correct action solves. */
export const SINGLE_STEP_KINDS = ['button', 'checkbox', 'open', 'context', 'slider'] as const;
/** Tasks that need two or more actions. */
export const MULTI_STEP_KINDS = ['text', 'dropdown', 'scroll', 'dialog'] as const;
export const TASK_KINDS = [...SINGLE_STEP_KINDS, ...MULTI_STEP_KINDS] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export interface Task {
  kind: TaskKind;
  /** The natural-language goal the agent reads. */
  goal: string;
  /** The whole page: layout, styles and behaviour (no network, no external files). */
  html: string;
  /** The colour the goal names. */
  color: Color;
  /** The word to type (text tasks). */
  word?: string;
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Rect, b: Rect, gap: number) =>
  a.x < b.x + b.w + gap && b.x < a.x + a.w + gap && a.y < b.y + b.h + gap && b.y < a.y + a.h + gap;

/** `n` non-overlapping w×h rectangles at random places inside `area` (rejection sampling). */
function place(rng: Rng, n: number, w: number, h: number, area: Rect, taken: Rect[] = []): Rect[] {
  const out: Rect[] = [];
  for (let tries = 0; out.length < n; tries++) {
    if (tries > 5000)
      throw new Error(`gui-agent: cannot place ${n} ${w}×${h} boxes in ${JSON.stringify(area)}`);
    const r = {
      x: area.x + rng.int(area.w - w + 1),
      y: area.y + rng.int(area.h - h + 1),
      w,
      h,
    };
    if ([...taken, ...out].every((o) => !overlaps(r, o, 4))) out.push(r);
  }
  return out;
}

const at = (r: Rect) => `left:${r.x}px;top:${r.y}px;width:${r.w}px;height:${r.h}px`;
const FULL: Rect = { x: 4, y: 4, w: PAGE.width - 8, h: PAGE.height - 8 };

/** `k` distinct colours, the first being the target. */
function pickColors(rng: Rng, k: number): Color[] {
  return rng.shuffle([...COLORS]).slice(0, k);
}

/**
 * The page shell: absolute layout on a light background, `window.__success()` the task's success
 * check. Widgets: `.btn` (click presses), `.check` (click toggles), `.file` (double click opens),
 * `.tile` (right click marks), `.handle` (drag along its track), inputs (Enter submits), `.dd`
 * (click opens its list), `.list` (scrolls), `.dialog` (Escape closes).
 */
function shell(body: string, success: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
html,body{margin:0;width:${PAGE.width}px;height:${PAGE.height}px;overflow:hidden;background:#f2f2f2;font:9px sans-serif}
.w{position:absolute;box-sizing:border-box}
.btn{border-radius:3px;color:#fff;text-align:center;line-height:18px;cursor:pointer}
.btn[data-on="1"]{outline:3px solid #000}
.check{background:#fff;border:3px solid}
.check[data-on="1"]::after{content:"";position:absolute;left:3px;top:3px;right:3px;bottom:3px;background:#000}
.file{border-radius:2px}
.file[data-on="1"]{outline:3px solid #000}
.tile[data-on="1"]::after{content:"";position:absolute;left:5px;top:5px;right:5px;bottom:5px;background:#fff}
.track{background:#999}
.handle{background:#222;border-radius:2px}
input{position:absolute;box-sizing:border-box;border:3px solid;padding:0 2px;font:9px sans-serif;background:#fff;outline:none}
input:focus{background:#ffffd0;box-shadow:0 0 0 3px #222}
input[data-sent]{background:#d0ffd0}
.dd{background:#666;color:#fff;line-height:16px;text-align:center}
.ddlist{display:none;background:#fff;border:1px solid #333}
.ddlist.open{display:block}
.opt{position:relative;height:14px;margin:2px}
.list{overflow-y:scroll;scrollbar-width:none;background:#fff;border:2px solid #333}
.item{position:relative;height:16px;margin:2px 3px}
.item[data-on="1"]{outline:3px solid #000}
.dialog{background:rgba(0,0,0,.55)}
.dialog .box{position:absolute;background:#fff;border:2px solid #000}
</style></head><body>${body}<script>
const $ = (s) => document.querySelector(s);
document.addEventListener('click', (e) => {
  const t = e.target.closest('.btn,.check,.opt,.item,.dd');
  if (!t) return;
  if (t.classList.contains('btn') || t.classList.contains('item')) t.dataset.on = '1';
  if (t.classList.contains('check')) t.dataset.on = t.dataset.on === '1' ? '0' : '1';
  if (t.classList.contains('dd')) $('.ddlist').classList.toggle('open');
  if (t.classList.contains('opt')) { $('.dd').dataset.value = t.dataset.color; $('.dd').style.background = t.style.background; $('.ddlist').classList.remove('open'); }
});
document.addEventListener('dblclick', (e) => { const t = e.target.closest('.file'); if (t) t.dataset.on = '1'; });
document.addEventListener('contextmenu', (e) => { e.preventDefault(); const t = e.target.closest('.tile'); if (t) t.dataset.on = '1'; });
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && $('.dialog')) $('.dialog').remove();
  if (e.key === 'Enter' && e.target.tagName === 'INPUT') e.target.dataset.sent = e.target.value;
});
let drag = null;
document.addEventListener('mousedown', (e) => { if (e.target.classList.contains('handle')) drag = { x: e.clientX, left: e.target.offsetLeft }; });
document.addEventListener('mousemove', (e) => {
  if (!drag) return;
  const h = $('.handle'), t = $('.track');
  const lo = t.offsetLeft, hi = t.offsetLeft + t.offsetWidth - h.offsetWidth;
  h.style.left = Math.min(hi, Math.max(lo, drag.left + e.clientX - drag.x)) + 'px';
});
document.addEventListener('mouseup', () => { drag = null; });
window.__success = () => { ${success} };
</script></body></html>`;
}

const on = (sel: string) => `$('${sel}').dataset.on === '1'`;

function buttonTask(rng: Rng): Task {
  const colors = pickColors(rng, 2 + rng.int(3));
  const rects = place(rng, colors.length, 36, 18, FULL);
  const body = colors
    .map(
      (c, i) =>
        `<div class="w btn"${i === 0 ? ' id="target"' : ''} data-color="${c}" style="${at(rects[i])};background:${CSS[c]}">${c}</div>`,
    )
    .join('');
  return {
    kind: 'button',
    goal: `click the ${colors[0]} button`,
    color: colors[0],
    html: shell(body, `return ${on('#target')};`),
  };
}

function checkboxTask(rng: Rng): Task {
  const colors = pickColors(rng, 2 + rng.int(3));
  const rects = place(rng, colors.length, 18, 18, FULL);
  const body = colors
    .map(
      (c, i) =>
        `<div class="w check"${i === 0 ? ' id="target"' : ''} data-color="${c}" style="${at(rects[i])};border-color:${CSS[c]}"></div>`,
    )
    .join('');
  return {
    kind: 'checkbox',
    goal: `check the ${colors[0]} box`,
    color: colors[0],
    html: shell(body, `return ${on('#target')};`),
  };
}

function openTask(rng: Rng): Task {
  const colors = pickColors(rng, 2 + rng.int(3));
  const rects = place(rng, colors.length, 22, 26, FULL);
  const body = colors
    .map(
      (c, i) =>
        `<div class="w file"${i === 0 ? ' id="target"' : ''} data-color="${c}" style="${at(rects[i])};background:${CSS[c]}"></div>`,
    )
    .join('');
  return {
    kind: 'open',
    goal: `open the ${colors[0]} file`,
    color: colors[0],
    html: shell(body, `return ${on('#target')};`),
  };
}

function contextTask(rng: Rng): Task {
  const colors = pickColors(rng, 2 + rng.int(3));
  const rects = place(rng, colors.length, 24, 24, FULL);
  const body = colors
    .map(
      (c, i) =>
        `<div class="w tile"${i === 0 ? ' id="target"' : ''} data-color="${c}" style="${at(rects[i])};background:${CSS[c]};border-radius:12px"></div>`,
    )
    .join('');
  return {
    kind: 'context',
    goal: `right click the ${colors[0]} circle`,
    color: colors[0],
    html: shell(body, `return ${on('#target')};`),
  };
}

function sliderTask(rng: Rng): Task {
  const color = COLORS[rng.int(COLORS.length)];
  const track: Rect = { x: 10 + rng.int(30), y: 14 + rng.int(PAGE.height - 40), w: 110 + rng.int(30), h: 8 };
  const handleW = 10;
  const start = track.x + rng.int(track.w - handleW - 60);
  // The mark is where the handle's centre must end up, at least 30 px to the right of it.
  const mark = start + handleW / 2 + 30 + rng.int(track.x + track.w - handleW / 2 - start - handleW / 2 - 30);
  const body = `<div class="w track" style="${at(track)}"></div>
<div class="w" id="mark" style="${at({ x: mark - 3, y: track.y - 9, w: 6, h: 26 })};background:${CSS[color]}"></div>
<div class="w handle" style="${at({ x: start, y: track.y - 6, w: handleW, h: 20 })}"></div>`;
  return {
    kind: 'slider',
    goal: `drag the slider to the ${color} mark`,
    color,
    html: shell(
      body,
      `const h = $('.handle'); return Math.abs(h.offsetLeft + ${handleW / 2} - ${mark}) <= 4;`,
    ),
  };
}

function textTask(rng: Rng): Task {
  const colors = pickColors(rng, 2 + rng.int(2));
  const word = WORDS[rng.int(WORDS.length)];
  const rects = place(rng, colors.length, 60, 18, FULL);
  const body = colors
    .map(
      (c, i) =>
        `<input${i === 0 ? ' id="target"' : ''} data-color="${c}" style="${at(rects[i])};border-color:${CSS[c]}" autocomplete="off">`,
    )
    .join('');
  return {
    kind: 'text',
    goal: `type ${word} in the ${colors[0]} field`,
    color: colors[0],
    word,
    html: shell(body, `return $('#target').dataset.sent === '${word}';`),
  };
}

function dropdownTask(rng: Rng): Task {
  const colors = pickColors(rng, 4);
  const dd: Rect = { x: 4 + rng.int(PAGE.width - 70), y: 4 + rng.int(PAGE.height - 100), w: 60, h: 16 };
  const order = rng.shuffle([...colors]);
  const opts = order
    .map(
      (c) =>
        `<div class="opt"${c === colors[0] ? ' id="target"' : ''} data-color="${c}" style="background:${CSS[c]}"></div>`,
    )
    .join('');
  const body = `<div class="w dd" style="${at(dd)}">menu</div>
<div class="w ddlist" style="${at({ x: dd.x, y: dd.y + dd.h, w: dd.w, h: 4 * 16 + 4 })}">${opts}</div>`;
  return {
    kind: 'dropdown',
    goal: `choose ${colors[0]} in the menu`,
    color: colors[0],
    html: shell(body, `return $('.dd').dataset.value === '${colors[0]}';`),
  };
}

function scrollTask(rng: Rng): Task {
  const colors = rng.shuffle([...COLORS]);
  // Three items show at a time; the target sits below them, so one or two scrolls bring it in.
  const target = 3 + rng.int(3);
  const list: Rect = { x: 4 + rng.int(PAGE.width - 90), y: 4 + rng.int(PAGE.height - 70), w: 80, h: 64 };
  const items = colors
    .map(
      (c, i) =>
        `<div class="item"${i === target ? ' id="target"' : ''} data-color="${c}" style="background:${CSS[c]}"></div>`,
    )
    .join('');
  return {
    kind: 'scroll',
    goal: `click the ${colors[target]} item in the list`,
    color: colors[target],
    html: shell(`<div class="w list" style="${at(list)}">${items}</div>`, `return ${on('#target')};`),
  };
}

function dialogTask(rng: Rng): Task {
  const colors = pickColors(rng, 2 + rng.int(2));
  const rects = place(rng, colors.length, 36, 18, FULL);
  const buttons = colors
    .map(
      (c, i) =>
        `<div class="w btn"${i === 0 ? ' id="target"' : ''} data-color="${c}" style="${at(rects[i])};background:${CSS[c]}">${c}</div>`,
    )
    .join('');
  const box: Rect = { x: 30 + rng.int(60), y: 30 + rng.int(50), w: 70, h: 36 };
  const dialog = `<div class="w dialog" style="${at({ x: 0, y: 0, w: PAGE.width, h: PAGE.height })}"><div class="box" style="${at(box)}">press esc</div></div>`;
  return {
    kind: 'dialog',
    goal: `close the dialog and click the ${colors[0]} button`,
    color: colors[0],
    html: shell(buttons + dialog, `return ${on('#target')};`),
  };
}

const MAKERS: Record<TaskKind, (rng: Rng) => Task> = {
  button: buttonTask,
  checkbox: checkboxTask,
  open: openTask,
  context: contextTask,
  slider: sliderTask,
  text: textTask,
  dropdown: dropdownTask,
  scroll: scrollTask,
  dialog: dialogTask,
};

/** A task of `kind` with a random layout drawn from `rng`. */
export function makeTask(kind: TaskKind, rng: Rng): Task {
  return MAKERS[kind](rng);
}
