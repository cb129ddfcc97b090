import { el } from '../dom.js';

/** The Tiny GPT tab (waits for the shared decoder package). */
export function tinyGptPage(root: HTMLElement): void {
  root.append(
    el('div', { class: 'panel' }, el('h2', {}, 'Tiny GPT'), el('p', { class: 'note' }, 'Coming soon.')),
  );
}
