/** A task's status as a badge and as a progress line. */
import type { ContentTask } from "../api/types";
import { h } from "../lib/dom";

const LABELS: Record<string, string> = {
  queued: "Queued",
  running: "Writing…",
  done: "Done",
  failed: "Failed",
};

export function statusBadge(task: Pick<ContentTask, "status">): HTMLElement {
  return h("span", { class: `badge status status-${task.status}` }, LABELS[task.status] ?? task.status);
}

export function progressText(task: Pick<ContentTask, "status" | "attempts" | "error">): string {
  switch (task.status) {
    case "queued":
      return "Waiting for the content writer to pick this up…";
    case "running":
      return task.attempts > 1 ? `Writing (attempt ${task.attempts})…` : "Writing your content…";
    case "done":
      return "Ready.";
    case "failed":
      return task.error ? `Failed: ${task.error}` : "Failed.";
    default:
      return String(task.status);
  }
}
