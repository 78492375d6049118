/** The badges users scan a grid by: days running, active or not, versions, format. */
import type { CreativeSummary } from "../api/types";
import { h } from "../lib/dom";
import { formatName, plural } from "../lib/format";

export function badges(creative: Pick<CreativeSummary, "days_running" | "is_active" | "versions" | "display_format">): HTMLElement {
  const list = h("ul", { class: "badges", "aria-label": "Badges" });
  if (creative.is_active !== null && creative.is_active !== undefined) {
    list.append(
      h(
        "li",
        { class: `badge ${creative.is_active ? "badge-active" : "badge-inactive"}` },
        h("span", { class: "dot", "aria-hidden": "true" }),
        creative.is_active ? "Active" : "Inactive",
      ),
    );
  }
  if (creative.days_running !== null && creative.days_running !== undefined) {
    const long = creative.days_running >= 30;
    list.append(
      h(
        "li",
        { class: `badge badge-days${long ? " badge-long" : ""}`, title: "Days running" },
        `${plural(creative.days_running, "day")} running`,
      ),
    );
  }
  if (creative.versions > 1) {
    list.append(h("li", { class: "badge badge-versions", title: "Versions in the Ads Library" }, plural(creative.versions, "version")));
  }
  if (creative.display_format) {
    list.append(h("li", { class: "badge badge-format" }, formatName(creative.display_format)));
  }
  return list;
}
