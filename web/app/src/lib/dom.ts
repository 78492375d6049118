/**
 * A tiny element builder: `h("button", { class: "btn", onclick }, "Save")`. Children may be
 * strings, nodes, arrays, or null/false (skipped). Text is always set as text, never as
 * HTML, so nothing from the API can inject markup.
 */
export type Child = Node | string | number | null | undefined | false | Child[];

type Handler<E extends Event = Event> = (event: E) => void;

export interface Props {
  [name: string]: unknown;
  class?: string;
  onclick?: Handler<MouseEvent>;
  oninput?: Handler;
  onchange?: Handler;
  onsubmit?: Handler<SubmitEvent>;
  onkeydown?: Handler<KeyboardEvent>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props) {
    for (const [name, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") {
        element.addEventListener(name.slice(2), value as EventListener);
      } else if (name === "class") {
        element.className = String(value);
      } else if (name === "dataset" && typeof value === "object") {
        Object.assign(element.dataset, value);
      } else if (name in element && !name.includes("-") && typeof value !== "string") {
        // Properties such as checked, value (number), disabled=true.
        (element as unknown as Record<string, unknown>)[name] = value;
      } else if (name === "value" && "value" in element) {
        (element as HTMLInputElement).value = String(value);
      } else {
        element.setAttribute(name, value === true ? "" : String(value));
      }
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace every child of `parent` with `children`. */
export function mount(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let idCounter = 0;

/** A unique id for label/aria wiring. */
export function uid(prefix = "id"): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
