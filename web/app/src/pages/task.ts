/** One content task: progress without reloading (polled with backoff), then the result. */
import type { ContentTask } from "../api/types";
import { errorState, loading } from "../components/feedback";
import { taskResult } from "../components/taskResult";
import { progressText, statusBadge } from "../components/taskStatus";
import { h, mount } from "../lib/dom";
import { formatDateTime, kindName, plural } from "../lib/format";
import { pollTask } from "../lib/poll";
import type { Route } from "../lib/router";
import { api } from "../state";

export function taskPage(main: HTMLElement, route: Route): () => void {
  const id = route.params.id as string;
  const controller = new AbortController();
  const title = h("h1", null, "Content");
  const badgeSlot = h("span");
  const progress = h("p", { class: "progress", role: "status", "aria-live": "polite" });
  const bar = h("div", { class: "progress-bar", "aria-hidden": "true" }, h("span"));
  const meta = h("p", { class: "muted" });
  const body = h("div", null, loading("Loading…"));
  let lastStatus = "";

  function update(task: ContentTask): void {
    title.textContent = kindName(task.kind);
    document.title = `${kindName(task.kind)} · Magic Mango`;
    mount(badgeSlot, statusBadge(task));
    if (task.status !== lastStatus) progress.textContent = progressText(task);
    bar.dataset.status = task.status;
    meta.replaceChildren(
      `From ${plural(task.creative_ids.length, "ad")} · requested ${formatDateTime(task.created_at)} · `,
      ...task.creative_ids.slice(0, 20).flatMap((cid, i) => [i ? ", " : "", h("a", { href: `#/creatives/${cid}` }, `ad ${i + 1}`)]),
    );
    if (task.status === "done") {
      mount(body, h("section", { class: "panel", "aria-labelledby": "result-title" }, h("h2", { id: "result-title" }, "Result"), taskResult(task.result, task.kind)));
      bar.hidden = true;
    } else if (task.status === "failed") {
      mount(body, h("div", { class: "state state-error", role: "alert" }, h("h2", null, "This request failed"), h("p", null, task.error ?? "No reason was given."), h("a", { class: "btn", href: `#/content?ids=${task.creative_ids.join(",")}` }, "Try again")));
      bar.hidden = true;
    } else {
      mount(body, h("p", { class: "muted" }, "You can leave this page: the result is kept with your earlier requests."));
    }
    lastStatus = task.status;
  }

  async function run(): Promise<void> {
    try {
      await pollTask((signal) => api.getContentTask(id, signal), {
        signal: controller.signal,
        onUpdate: update,
        onRetry: () => {
          progress.textContent = "Connection trouble, retrying…";
          lastStatus = "";
        },
      });
    } catch (error) {
      if (controller.signal.aborted) return;
      mount(body, errorState(error, () => void run()));
    }
  }

  mount(
    main,
    h(
      "div",
      { class: "page narrow" },
      h("a", { href: "#/content", class: "back" }, "← Content"),
      h("header", { class: "page-head" }, h("div", { class: "title-row" }, title, badgeSlot), progress, bar, meta),
      body,
    ),
  );
  void run();
  return () => controller.abort();
}
