/**
 * Shows a content task's result. The content generators define their own result shapes;
 * this renders any JSON readably (objects as titled sections, lists as lists, text as
 * paragraphs) and turns it into plain text for copying, so a new field shows up without a
 * change here.
 */
import { h } from "../lib/dom";
import { contentText, contentView } from "./contentViews";
import { copyButton } from "./feedback";

export function humanize(key: string): string {
  const text = key.replace(/[_-]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** The result as Markdown-like plain text. */
export function resultToText(value: unknown, depth = 0): string {
  const indent = "  ".repeat(depth);
  if (value === null || value === undefined) return "";
  if (isScalar(value)) return String(value);
  if (Array.isArray(value)) {
    return value
      .map((item, index) => {
        if (isScalar(item)) return `${indent}- ${String(item)}`;
        const inner = resultToText(item, depth + 1);
        return `${indent}${index + 1}.\n${inner}`;
      })
      .join("\n");
  }
  if (typeof value === "object") {
    const lines: string[] = [];
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item === null || item === undefined || (Array.isArray(item) && item.length === 0)) continue;
      if (isScalar(item)) lines.push(`${indent}${humanize(key)}: ${String(item)}`);
      else lines.push(`${indent}${humanize(key)}:\n${resultToText(item, depth + 1)}`);
    }
    return lines.join("\n");
  }
  return String(value);
}

function renderValue(value: unknown, level: number): Node | null {
  if (value === null || value === undefined) return null;
  if (isScalar(value)) return h("p", { class: "result-text" }, String(value));
  if (Array.isArray(value)) {
    if (value.every(isScalar)) return h("ul", { class: "result-list" }, value.map((item) => h("li", null, String(item))));
    return h(
      "ol",
      { class: "result-items" },
      value.map((item, index) =>
        h(
          "li",
          { class: "result-item" },
          h("div", { class: "result-item-head" }, h("span", { class: "result-index" }, `#${index + 1}`), copyButton(() => resultToText(item), "Copy", `item ${index + 1}`)),
          renderValue(item, level + 1),
        ),
      ),
    );
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, item]) => !(item === null || item === undefined || (Array.isArray(item) && item.length === 0)),
    );
    const heading = (level <= 1 ? "h3" : "h4") as "h3" | "h4";
    return h(
      "div",
      { class: "result-object" },
      entries.map(([key, item]) =>
        isScalar(item) && String(item).length < 80 && level > 1
          ? h("p", { class: "result-field" }, h("strong", null, `${humanize(key)}: `), String(item))
          : h(
              "section",
              { class: "result-section" },
              h("div", { class: "result-section-head" }, h(heading, null, humanize(key)), copyButton(() => resultToText(item), "Copy", humanize(key).toLowerCase())),
              renderValue(item, level + 1),
            ),
      ),
    );
  }
  return h("p", null, String(value));
}

export function taskResult(result: unknown, kind = ""): HTMLElement {
  const view = contentView(kind, result);
  const text = contentText(kind, result) ?? resultToText(result);
  return h(
    "div",
    { class: "task-result" },
    h("div", { class: "result-toolbar" }, copyButton(() => text, "Copy all", "result")),
    view ?? renderValue(result, 1),
  );
}
