/** Content: request a brief, copy variants or a script outline; list earlier requests. */
import type { ContentKind, ContentTask, CreativeSummary } from "../api/types";
import { headline, advertiserName } from "../components/creativeCard";
import { empty, errorMessage, errorState, loading } from "../components/feedback";
import { statusBadge } from "../components/taskStatus";
import { h, mount } from "../lib/dom";
import { formatDateTime, kindName, plural } from "../lib/format";
import { CursorPager } from "../lib/pager";
import { navigate, type Route } from "../lib/router";
import { api, selection } from "../state";

export const KINDS: { kind: ContentKind; description: string }[] = [
  { kind: "brief", description: "A brief of each ad (hook, offer, claims, call to action, format) and what they have in common." },
  { kind: "copy_variants", description: "New primary texts, headlines and calls to action in the same spirit." },
  { kind: "script_outline", description: "A short video script: hook, scenes and the closing call to action." },
];

export const MAX_CREATIVES = 20;
export const TONES = ["neutral", "friendly", "playful", "urgent", "premium"];
const ASPECTS: [string, string][] = [["9:16", "9:16 (Reels, Stories)"], ["4:5", "4:5 (Feed)"], ["1:1", "1:1 (Square)"], ["16:9", "16:9 (Landscape)"]];

/** The `parameters` object of a request, or a message saying which value is wrong. */
export function kindParameters(
  kind: ContentKind,
  values: { count: string; tone: string; duration: string; aspect: string },
): Record<string, unknown> | string {
  if (kind === "copy_variants") {
    const count = Number(values.count);
    if (!Number.isInteger(count) || count < 1 || count > 20) return "Ask for 1 to 20 variants.";
    return { count, tone: values.tone };
  }
  if (kind === "script_outline") {
    const seconds = Number(values.duration);
    if (!Number.isInteger(seconds) || seconds < 6 || seconds > 180) return "A script lasts 6 to 180 seconds.";
    return { duration_seconds: seconds, aspect_ratio: values.aspect };
  }
  return {};
}

export function contentPage(main: HTMLElement, route: Route): () => void {
  const fromQuery = (route.query.get("ids") ?? "").split(",").filter(Boolean);
  let ids = [...new Set(fromQuery.length ? fromQuery : selection.list())];
  let pager: CursorPager<ContentTask> | null = null;

  const chosen = h("div", { class: "chosen" });
  const formError = h("div", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Generate");
  const kindGroup = h(
    "fieldset",
    { class: "kinds" },
    h("legend", null, "What to make"),
    KINDS.map(({ kind, description }, index) =>
      h(
        "label",
        { class: "kind-option" },
        h("input", { type: "radio", name: "kind", value: kind, checked: index === 0 }),
        h("span", { class: "kind-text" }, h("strong", null, kindName(kind)), h("span", { class: "muted" }, description)),
      ),
    ),
  );
  // Parameters of each kind (the Content Creator's defaults are preselected).
  const count = h("input", { id: "p-count", type: "number", min: "1", max: "20", step: "1", value: "5", inputmode: "numeric" });
  const tone = h("select", { id: "p-tone" }, TONES.map((t) => h("option", { value: t, selected: t === "neutral" }, t.charAt(0).toUpperCase() + t.slice(1))));
  const duration = h("input", { id: "p-duration", type: "number", min: "6", max: "180", step: "1", value: "30", inputmode: "numeric" });
  const aspect = h("select", { id: "p-aspect" }, ASPECTS.map(([v, label]) => h("option", { value: v, selected: v === "9:16" }, label)));
  const options: Record<ContentKind, HTMLElement> = {
    brief: h("span", { hidden: true }),
    copy_variants: h(
      "div",
      { class: "kind-params row" },
      h("div", { class: "field" }, h("label", { for: "p-count" }, "Variants"), count),
      h("div", { class: "field" }, h("label", { for: "p-tone" }, "Tone"), tone),
    ),
    script_outline: h(
      "div",
      { class: "kind-params row" },
      h("div", { class: "field" }, h("label", { for: "p-duration" }, "Length (seconds)"), duration),
      h("div", { class: "field" }, h("label", { for: "p-aspect" }, "Aspect ratio"), aspect),
    ),
  };
  const paramsSlot = h("div", { class: "params" });
  const currentKind = (): ContentKind => (form.querySelector<HTMLInputElement>('input[name="kind"]:checked')?.value ?? "brief") as ContentKind;
  const showParams = (): void => mount(paramsSlot, options[currentKind()]);
  kindGroup.addEventListener("change", showParams);

  const form = h(
    "form",
    { class: "panel content-form", "aria-labelledby": "new-content-title", novalidate: true },
    h("h2", { id: "new-content-title" }, "New content"),
    formError,
    kindGroup,
    paramsSlot,
    h("h3", null, "From these ads"),
    chosen,
    h("div", { class: "row" }, submit),
  );

  async function renderChosen(): Promise<void> {
    if (!ids.length) {
      mount(chosen, h("p", { class: "muted" }, "No ads selected. ", h("a", { href: "#/library" }, "Select ads in your library"), " (tick their boxes), then come back with “Generate content”."));
      submit.disabled = true;
      return;
    }
    submit.disabled = ids.length > MAX_CREATIVES;
    mount(chosen, loading("Loading the selected ads…"));
    const details = await Promise.all(ids.map((id) => api.getCreative(id).catch(() => null)));
    const found = details.filter((d): d is NonNullable<typeof d> => d !== null);
    ids = found.map((d) => d.id);
    mount(
      chosen,
      ids.length > MAX_CREATIVES ? h("p", { class: "field-error" }, `Choose at most ${MAX_CREATIVES} ads (${ids.length} selected).`) : null,
      h(
        "ul",
        { class: "chosen-list" },
        found.map((creative: CreativeSummary) =>
          h(
            "li",
            null,
            h("span", { class: "chosen-name" }, h("strong", null, advertiserName(creative)), ` — ${headline(creative)}`),
            h("button", {
              type: "button",
              class: "btn btn-small btn-ghost",
              "aria-label": `Remove the ad by ${advertiserName(creative)}`,
              onclick: () => {
                ids = ids.filter((id) => id !== creative.id);
                void renderChosen();
              },
            }, "Remove"),
          ),
        ),
      ),
    );
    submit.disabled = ids.length === 0 || ids.length > MAX_CREATIVES;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError.textContent = "";
    const kind = currentKind();
    const parameters = kindParameters(kind, { count: count.value, tone: tone.value, duration: duration.value, aspect: aspect.value });
    if (typeof parameters === "string") {
      formError.textContent = parameters;
      return;
    }
    if (!ids.length) {
      formError.textContent = "Select at least one ad.";
      return;
    }
    submit.disabled = true;
    submit.textContent = "Requesting…";
    try {
      const task = await api.createContentTask(kind, ids, parameters);
      navigate(`/content/${task.id}`);
    } catch (error) {
      formError.textContent = errorMessage(error);
      submit.disabled = false;
      submit.textContent = "Generate";
    }
  });

  const history = h("ul", { class: "task-list", "aria-label": "Earlier requests" });
  const historyStatus = h("div");
  const more = h("button", { type: "button", class: "btn", hidden: true }, "Load more");
  async function loadTasks(): Promise<void> {
    if (!pager) return;
    mount(historyStatus, loading("Loading requests…"));
    try {
      const fresh = await pager.next();
      historyStatus.replaceChildren();
      for (const task of fresh) {
        history.append(
          h(
            "li",
            { class: "task-row" },
            h("a", { href: `#/content/${task.id}` }, kindName(task.kind)),
            statusBadge(task),
            h("span", { class: "muted" }, `${plural(task.creative_ids.length, "ad")} · ${formatDateTime(task.created_at)}`),
          ),
        );
      }
      if (!pager.items.length) mount(historyStatus, empty("Nothing requested yet", "Your briefs, copy variants and scripts will be listed here."));
      more.hidden = pager.done;
    } catch (error) {
      more.hidden = true;
      mount(historyStatus, errorState(error, () => void loadTasks()));
    }
  }
  more.addEventListener("click", () => void loadTasks());
  pager = new CursorPager<ContentTask>((cursor) => api.listContentTasks(cursor));

  mount(
    main,
    h(
      "div",
      { class: "page narrow" },
      h("header", { class: "page-head" }, h("h1", null, "Content"), h("p", { class: "lede" }, "Turn saved ads into a brief, ad-copy variants or a video script outline.")),
      form,
      h("section", { "aria-labelledby": "history-title" }, h("h2", { id: "history-title" }, "Earlier requests"), history, historyStatus, more),
    ),
  );
  showParams();
  void renderChosen();
  void loadTasks();
  return () => pager?.cancel();
}
