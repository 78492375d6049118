/**
 * Finds the result cards of the Ads Library page by their Library ID text.
 *
 * Class names are obfuscated and change, but every card shows "Library ID: <id>" and
 * the number is the same in every UI language. A card is the largest ancestor of the
 * ID's text that still contains exactly one distinct Library ID.
 */

/**
 * A Library ID inside text. No trailing word boundary: `textContent` can glue the
 * number to the next word ("123456789012345Started running"), so only digits may not
 * follow it.
 */
export const LIBRARY_ID_IN_TEXT = /(?<!\d)(\d{15,17})(?!\d)/g;

/** Elements whose text is not visible page text (the SSR JSON is full of long numbers). */
const SKIPPED = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "TEXTAREA"]);

export interface AnchoredCard {
  libraryId: string;
  element: Element;
}

function idsIn(text: string): string[] {
  return [...text.matchAll(LIBRARY_ID_IN_TEXT)].map((m) => m[1] as string);
}

/** Every result card under `root`, in document order, one per distinct Library ID. */
export function findCards(root: Element): AnchoredCard[] {
  const doc = root.ownerDocument;
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      const parent = node.parentElement;
      if (parent === null || SKIPPED.has(parent.tagName)) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  // Distinct IDs in each element's subtree, filled bottom-up from the ID texts.
  const idsBelow = new Map<Element, Set<string>>();
  const hits: AnchoredCard[] = [];
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    const ids = idsIn(node.nodeValue ?? "");
    const start = node.parentElement;
    if (ids.length === 0 || start === null) continue;
    for (const libraryId of ids) hits.push({ libraryId, element: start });
    for (let el: Element | null = start; el !== null; el = el.parentElement) {
      let set = idsBelow.get(el);
      if (set === undefined) idsBelow.set(el, (set = new Set()));
      for (const libraryId of ids) set.add(libraryId);
      if (el === root) break;
    }
  }
  const cards = new Map<string, Element>();
  for (const { libraryId, element } of hits) {
    if (cards.has(libraryId)) continue;
    let card: Element | null = null;
    for (let el: Element | null = element; el !== null && el !== root; el = el.parentElement) {
      if ((idsBelow.get(el)?.size ?? 0) !== 1) break;
      card = el;
    }
    if (card !== null) cards.set(libraryId, card);
  }
  return [...cards].map(([libraryId, element]) => ({ libraryId, element }));
}
