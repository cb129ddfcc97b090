/** Creates an element with attributes and children: the page's only DOM helper. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes. */
export function svg(tag: string, attrs: Record<string, string | number> = {}): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** A labelled number input for a `.controls` grid. */
export function numberInput(
  label: string,
  id: string,
  value: number,
  attrs: Record<string, string> = {},
): [HTMLLabelElement, HTMLInputElement] {
  const input = el('input', { type: 'number', id, value: String(value), ...attrs });
  return [el('label', { for: id }, label), input];
}
