import { TesseraError } from '@tessera/core';

/** A point on the model's coordinate grid (see `coordinateMap` for the mapping to page pixels). */
export interface Point {
  x: number;
  y: number;
}

export type ScrollDirection = 'up' | 'down' | 'left' | 'right';

/** One action of the unified action space (UI-TARS, Qin et al. 2025, table 1, desktop and web). */
export type Action =
  | { type: 'click' | 'left_double' | 'right_single'; start: Point }
  | { type: 'drag'; start: Point; end: Point }
  /** Up to three keys pressed together, lower case, e.g. `['ctrl', 'c']`. */
  | { type: 'hotkey'; keys: string[] }
  /** Text typed as key strokes; a trailing `\n` submits (presses Enter). */
  | { type: 'type'; content: string }
  | { type: 'scroll'; start: Point; direction: ScrollDirection }
  | { type: 'wait' }
  | { type: 'finished'; content: string }
  | { type: 'call_user' };

export type ActionType = Action['type'];

export const ACTION_TYPES: readonly ActionType[] = [
  'click',
  'left_double',
  'right_single',
  'drag',
  'hotkey',
  'type',
  'scroll',
  'wait',
  'finished',
  'call_user',
];

/** The most keys one `hotkey` may press together. */
export const MAX_HOTKEY_KEYS = 3;

const DIRECTIONS: readonly ScrollDirection[] = ['up', 'down', 'left', 'right'];

/** A model turn: the reasoning, then the action. */
export interface Step {
  thought: string;
  action: Action;
}

/** Quotes a string argument: backslash, quote and newline escaped as `\\`, `\'`, `\n`. */
function quote(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
}

const box = (p: Point): string => quote(`(${p.x},${p.y})`);

/** `click(start_box='(12,40)')` and so on: the action's text, which `parseAction` reads back. */
export function formatAction(action: Action): string {
  switch (action.type) {
    case 'click':
    case 'left_double':
    case 'right_single':
      return `${action.type}(start_box=${box(action.start)})`;
    case 'drag':
      return `drag(start_box=${box(action.start)}, end_box=${box(action.end)})`;
    case 'hotkey':
      checkKeys('formatAction', action.keys, action.keys.join(' '));
      return `hotkey(key=${quote(action.keys.join(' '))})`;
    case 'type':
      return `type(content=${quote(action.content)})`;
    case 'scroll':
      return `scroll(start_box=${box(action.start)}, direction=${quote(action.direction)})`;
    case 'finished':
      return `finished(content=${quote(action.content)})`;
    case 'wait':
    case 'call_user':
      return `${action.type}()`;
    default:
      throw new TesseraError('formatAction', `unknown action ${JSON.stringify(action)}`);
  }
}

/** `Thought: …\nAction: …`, the text a model generates for one step. */
export function formatStep(step: Step): string {
  return `Thought: ${step.thought}\nAction: ${formatAction(step.action)}`;
}

/** Reads `Thought: …` (optional) followed by `Action: …`. */
export function parseStep(text: string): Step {
  const at = text.lastIndexOf('Action:');
  if (at < 0) throw new TesseraError('parseStep', `no 'Action:' in ${JSON.stringify(text)}`);
  const head = text.slice(0, at).trim();
  const thought = head.startsWith('Thought:') ? head.slice('Thought:'.length).trim() : head;
  return { thought, action: parseAction(text.slice(at + 'Action:'.length)) };
}

function checkKeys(op: string, keys: readonly string[], text: string): void {
  if (keys.length === 0 || keys.some((k) => k.length === 0 || /\s/.test(k)))
    throw new TesseraError(
      op,
      `hotkey needs 1 to ${MAX_HOTKEY_KEYS} keys separated by spaces, got '${text}'`,
    );
  if (keys.length > MAX_HOTKEY_KEYS)
    throw new TesseraError(
      op,
      `hotkey presses at most ${MAX_HOTKEY_KEYS} keys together, got ${keys.length} in '${text}'`,
    );
}

/** Reads the `name=value` arguments of an action; values are quoted strings with escapes. */
function parseArgs(name: string, body: string, text: string): Map<string, string> {
  const args = new Map<string, string>();
  let i = 0;
  const fail = (why: string): never => {
    throw new TesseraError('parseAction', `${name}: ${why} in ${JSON.stringify(text)}`);
  };
  const skip = () => {
    while (i < body.length && /\s/.test(body[i])) i++;
  };
  skip();
  while (i < body.length) {
    const key = /^[a-z_]+/.exec(body.slice(i));
    if (!key) fail(`expected an argument name at '${body.slice(i)}'`);
    const k = (key as RegExpExecArray)[0];
    i += k.length;
    skip();
    if (body[i] !== '=') fail(`expected '=' after argument '${k}'`);
    i++;
    skip();
    const q = body[i];
    if (q !== "'" && q !== '"') fail(`argument '${k}' must be a quoted string`);
    i++;
    let value = '';
    for (;;) {
      if (i >= body.length) fail(`unterminated string in argument '${k}'`);
      const c = body[i++];
      if (c === q) break;
      if (c === '\\' && i < body.length) {
        const e = body[i++];
        value += e === 'n' ? '\n' : e;
      } else value += c;
    }
    if (args.has(k)) fail(`argument '${k}' given twice`);
    args.set(k, value);
    skip();
    if (body[i] === ',') {
      i++;
      skip();
    } else if (i < body.length) fail(`expected ',' after argument '${k}'`);
  }
  return args;
}

/**
 * A box: `(x,y)`, or `(x1,y1,x2,y2)` read as its centre (rounded), optionally wrapped in
 * `<|box_start|>…<|box_end|>` as UI-TARS writes it.
 */
function parseBox(name: string, arg: string, value: string | undefined, text: string): Point {
  if (value === undefined)
    throw new TesseraError('parseAction', `${name} needs ${arg}='(x,y)' in ${JSON.stringify(text)}`);
  const inner = value
    .replace(/^<\|box_start\|>/, '')
    .replace(/<\|box_end\|>$/, '')
    .trim();
  const m =
    /^\[?\(?\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*(?:,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*)?\)?\]?$/.exec(
      inner,
    );
  if (!m)
    throw new TesseraError(
      'parseAction',
      `${name}: malformed ${arg} '${value}'; expected '(x,y)' or '(x1,y1,x2,y2)' in ${JSON.stringify(text)}`,
    );
  const n = m.slice(1).map(Number);
  if (m[3] === undefined) return { x: n[0], y: n[1] };
  return { x: Math.round((n[0] + n[2]) / 2), y: Math.round((n[1] + n[3]) / 2) };
}

/** Reads one action such as `click(start_box='(12,40)')`; errors name the action and the bad text. */
export function parseAction(text: string): Action {
  const t = text.trim();
  const m = /^([A-Za-z_]+)\s*\(([\s\S]*)\)$/.exec(t);
  if (!m)
    throw new TesseraError(
      'parseAction',
      `expected name(arguments), e.g. click(start_box='(10,20)'), got ${JSON.stringify(text)}`,
    );
  const name = m[1];
  if (!(ACTION_TYPES as readonly string[]).includes(name))
    throw new TesseraError(
      'parseAction',
      `unknown action '${name}' in ${JSON.stringify(text)}; expected one of ${ACTION_TYPES.join(', ')}`,
    );
  const type = name as ActionType;
  const args = parseArgs(name, m[2], text);
  const allowed: Record<ActionType, string[]> = {
    click: ['start_box'],
    left_double: ['start_box'],
    right_single: ['start_box'],
    drag: ['start_box', 'end_box'],
    hotkey: ['key'],
    type: ['content'],
    scroll: ['start_box', 'direction'],
    wait: [],
    finished: ['content'],
    call_user: [],
  };
  for (const k of args.keys())
    if (!allowed[type].includes(k))
      throw new TesseraError(
        'parseAction',
        `${name} takes no argument '${k}' (it takes ${allowed[type].join(', ') || 'none'}) in ${JSON.stringify(text)}`,
      );
  switch (type) {
    case 'click':
    case 'left_double':
    case 'right_single':
      return { type, start: parseBox(name, 'start_box', args.get('start_box'), text) };
    case 'drag':
      return {
        type,
        start: parseBox(name, 'start_box', args.get('start_box'), text),
        end: parseBox(name, 'end_box', args.get('end_box'), text),
      };
    case 'hotkey': {
      const key = args.get('key');
      if (key === undefined)
        throw new TesseraError('parseAction', `hotkey needs key='…' in ${JSON.stringify(text)}`);
      const keys = key.trim().toLowerCase().split(/\s+/).filter(Boolean);
      checkKeys('parseAction', keys, key);
      return { type, keys };
    }
    case 'type':
      return { type, content: args.get('content') ?? '' };
    case 'scroll': {
      const direction = args.get('direction');
      if (!(DIRECTIONS as readonly (string | undefined)[]).includes(direction))
        throw new TesseraError(
          'parseAction',
          `scroll: direction must be one of ${DIRECTIONS.join(', ')}, got '${direction ?? ''}' in ${JSON.stringify(text)}`,
        );
      return {
        type,
        start: parseBox(name, 'start_box', args.get('start_box'), text),
        direction: direction as ScrollDirection,
      };
    }
    case 'finished':
      return { type, content: args.get('content') ?? '' };
    case 'wait':
    case 'call_user':
      return { type };
  }
}
