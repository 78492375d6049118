/** Loading, empty and error states, a polite live region for toasts, and copy buttons. */
import { ApiError } from "../api/client";
import { copyText } from "../lib/clipboard";
import { h } from "../lib/dom";

export function loading(label = "Loading…"): HTMLElement {
  return h("div", { class: "state state-loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), label);
}

export function empty(title: string, body: string | Node, action?: Node): HTMLElement {
  return h("div", { class: "state state-empty" }, h("h2", null, title), h("p", null, body), action ?? null);
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

export function errorState(error: unknown, retry?: () => void): HTMLElement {
  return h(
    "div",
    { class: "state state-error", role: "alert" },
    h("h2", null, "That did not work"),
    h("p", null, errorMessage(error)),
    retry ? h("button", { type: "button", class: "btn", onclick: retry }, "Try again") : null,
  );
}

let toastRegion: HTMLElement | null = null;

export function toast(message: string, kind: "info" | "error" = "info"): void {
  if (!toastRegion || !toastRegion.isConnected) {
    toastRegion = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(toastRegion);
  }
  const item = h("div", { class: `toast toast-${kind}` }, message);
  toastRegion.append(item);
  while (toastRegion.childElementCount > 2) toastRegion.firstElementChild?.remove();
  setTimeout(() => item.remove(), 4000);
}

/**
 * A button that copies `text()` and says so. Its name is the visible label plus a hidden
 * "what" ("Copy" + " token"), so speech users can say what they see.
 */
export function copyButton(text: () => string, label = "Copy", what = "text"): HTMLButtonElement {
  const visible = h("span", null, label);
  const button = h("button", { type: "button", class: "btn btn-small btn-ghost copy" }, visible, h("span", { class: "visually-hidden" }, ` ${what}`));
  button.addEventListener("click", async () => {
    const ok = await copyText(text());
    visible.textContent = ok ? "Copied" : "Copy failed";
    button.classList.toggle("copied", ok);
    toast(ok ? `Copied ${what}` : `Could not copy ${what}`, ok ? "info" : "error");
    setTimeout(() => {
      visible.textContent = label;
      button.classList.remove("copied");
    }, 1500);
  });
  return button;
}

/** A field's inline error, wired with aria-describedby and aria-invalid. */
export function setFieldError(input: HTMLInputElement | HTMLTextAreaElement, message: string | null): void {
  const id = `${input.id}-error`;
  let node = document.getElementById(id);
  if (!message) {
    node?.remove();
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    return;
  }
  if (!node) {
    node = h("p", { class: "field-error", id });
    input.insertAdjacentElement("afterend", node);
  }
  node.textContent = message;
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", id);
}

/** A modal confirmation built on <dialog> (focus is trapped and restored by the browser). */
export function confirmDialog(title: string, body: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "dialog", "aria-labelledby": "dialog-title" },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "dialog-title" }, title),
        h("p", null, body),
        h(
          "div",
          { class: "actions" },
          h("button", { value: "cancel", class: "btn", type: "submit" }, "Cancel"),
          h("button", { value: "ok", class: "btn btn-danger", type: "submit" }, confirmLabel),
        ),
      ),
    );
    document.body.append(dialog);
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    if (typeof dialog.showModal === "function") dialog.showModal();
    else resolve(window.confirm(body));
  });
}
