import { describe, expect, it } from 'vitest';
import { type Action, formatAction, formatStep, parseAction, parseStep } from './index.js';

/** Every form of the action space, with the text it must format to (written by hand from the grammar). */
const FORMS: [Action, string][] = [
  [{ type: 'click', start: { x: 12, y: 40 } }, "click(start_box='(12,40)')"],
  [{ type: 'left_double', start: { x: 0, y: 7 } }, "left_double(start_box='(0,7)')"],
  [{ type: 'right_single', start: { x: 99, y: 3 } }, "right_single(start_box='(99,3)')"],
  [
    { type: 'drag', start: { x: 5, y: 6 }, end: { x: 50, y: 6 } },
    "drag(start_box='(5,6)', end_box='(50,6)')",
  ],
  [{ type: 'hotkey', keys: ['ctrl', 'c'] }, "hotkey(key='ctrl c')"],
  [{ type: 'hotkey', keys: ['ctrl', 'shift', 'tab'] }, "hotkey(key='ctrl shift tab')"],
  [{ type: 'type', content: 'hello world' }, "type(content='hello world')"],
  [{ type: 'type', content: "it's done\n" }, "type(content='it\\'s done\\n')"],
  [{ type: 'type', content: 'a\\b' }, "type(content='a\\\\b')"],
  [
    { type: 'scroll', start: { x: 30, y: 31 }, direction: 'down' },
    "scroll(start_box='(30,31)', direction='down')",
  ],
  [
    { type: 'scroll', start: { x: 1, y: 2 }, direction: 'left' },
    "scroll(start_box='(1,2)', direction='left')",
  ],
  [{ type: 'wait' }, 'wait()'],
  [{ type: 'finished', content: 'the form is sent' }, "finished(content='the form is sent')"],
  [{ type: 'call_user' }, 'call_user()'],
];

describe('formatAction / parseAction', () => {
  it.each(FORMS)('formats and reads back %j', (action, text) => {
    expect(formatAction(action)).toBe(text);
    expect(parseAction(text)).toEqual(action);
  });

  it('round-trips a whole step, thought and action', () => {
    for (const [action] of FORMS) {
      const step = { thought: 'The Save button is at the bottom right, so I click it.', action };
      const text = formatStep(step);
      expect(text.startsWith('Thought: The Save button')).toBe(true);
      expect(text).toContain('\nAction: ');
      expect(parseStep(text)).toEqual(step);
    }
  });

  it('reads the variants UI-TARS writes: box tokens, four-number boxes (their centre), double quotes, spaces', () => {
    expect(parseAction("click(start_box='<|box_start|>(10,20)<|box_end|>')")).toEqual({
      type: 'click',
      start: { x: 10, y: 20 },
    });
    // Centre of (10,20)-(30,41) is (20, 30.5), rounded half up to 31.
    expect(parseAction("click(start_box='(10,20,30,41)')")).toEqual({
      type: 'click',
      start: { x: 20, y: 31 },
    });
    expect(parseAction(' hotkey( key = "Ctrl  C" ) ')).toEqual({ type: 'hotkey', keys: ['ctrl', 'c'] });
    expect(parseStep('Action: wait()')).toEqual({ thought: '', action: { type: 'wait' } });
  });

  it('names the action and the bad text in its errors', () => {
    expect(() => parseAction("tap(start_box='(1,2)')")).toThrow(/unknown action 'tap'.*tap\(start_box/);
    expect(() => parseAction("click(start_box='(1;2)')")).toThrow(/click: malformed start_box '\(1;2\)'/);
    expect(() => parseAction("drag(start_box='(1,2)', end_box='1,2,3')")).toThrow(
      /drag: malformed end_box '1,2,3'/,
    );
    expect(() => parseAction("drag(start_box='(1,2)')")).toThrow(/drag needs end_box/);
    expect(() => parseAction("hotkey(key='ctrl alt shift t')")).toThrow(
      /hotkey presses at most 3 keys together, got 4 in 'ctrl alt shift t'/,
    );
    expect(() => formatAction({ type: 'hotkey', keys: ['ctrl', 'alt', 'shift', 't'] })).toThrow(
      /formatAction: hotkey/,
    );
    expect(() => parseAction("scroll(start_box='(1,2)', direction='sideways')")).toThrow(
      /scroll: direction must be one of up, down, left, right, got 'sideways'/,
    );
    expect(() => parseAction("click(box='(1,2)')")).toThrow(/click takes no argument 'box'/);
    expect(() => parseAction("type(content='open)")).toThrow(/type: unterminated string/);
    expect(() => parseAction('click')).toThrow(/expected name\(arguments\)/);
    expect(() => parseStep('Thought: nothing to do')).toThrow(/no 'Action:'/);
  });
});
