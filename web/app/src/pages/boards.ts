/** Boards: create, rename, delete; each opens as a filtered library. */
import type { Board } from "../api/types";
import { confirmDialog, empty, errorMessage, errorState, loading, setFieldError, toast } from "../components/feedback";
import { h, mount, uid } from "../lib/dom";
import { formatDate, plural } from "../lib/format";
import { validateName } from "../lib/validate";
import { api, boards, invalidateBoards } from "../state";

export function boardsPage(main: HTMLElement): void {
  const name = h("input", { id: "board-name", type: "text", maxlength: "100", autocomplete: "off", placeholder: "e.g. Hooks that work" });
  const form = h(
    "form",
    { class: "inline-form", novalidate: true },
    h("div", { class: "field grow" }, h("label", { for: "board-name" }, "New board"), name),
    h("button", { type: "submit", class: "btn btn-primary" }, "Create board"),
  );
  const list = h("div");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = validateName(name.value, { max: 100, what: "board" });
    setFieldError(name, problem);
    if (problem) return name.focus();
    try {
      const board = await api.createBoard(name.value.trim());
      name.value = "";
      invalidateBoards();
      toast(`Created “${board.name}”`);
      await refresh();
    } catch (error) {
      setFieldError(name, errorMessage(error));
      name.focus();
    }
  });

  async function refresh(): Promise<void> {
    mount(list, loading("Loading boards…"));
    try {
      renderList(await boards(true));
    } catch (error) {
      mount(list, errorState(error, () => void refresh()));
    }
  }

  function row(board: Board): HTMLElement {
    const inputId = uid("rename");
    const input = h("input", { id: inputId, type: "text", value: board.name, maxlength: "100" });
    const renameForm = h(
      "form",
      { class: "inline-form", hidden: true, novalidate: true },
      h("div", { class: "field grow" }, h("label", { for: inputId }, `New name for ${board.name}`), input),
      h("button", { type: "submit", class: "btn btn-small btn-primary" }, "Save"),
      h("button", { type: "button", class: "btn btn-small btn-ghost", onclick: () => { renameForm.hidden = true; view.hidden = false; renameButton.focus(); } }, "Cancel"),
    );
    renameForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const problem = validateName(input.value, { max: 100, what: "board" });
      setFieldError(input, problem);
      if (problem) return input.focus();
      try {
        await api.renameBoard(board.id, input.value.trim());
        invalidateBoards();
        toast("Board renamed");
        await refresh();
      } catch (error) {
        setFieldError(input, errorMessage(error));
      }
    });
    const renameButton = h("button", { type: "button", class: "btn btn-small btn-ghost", "aria-label": `Rename ${board.name}`, onclick: () => { renameForm.hidden = false; view.hidden = true; input.focus(); input.select(); } }, "Rename");
    const view = h(
      "div",
      { class: "board-row" },
      h("div", { class: "board-info" }, h("a", { class: "board-name", href: `#/boards/${board.id}` }, board.name), h("span", { class: "muted" }, `${plural(board.creative_count, "ad")} · created ${formatDate(board.created_at)}`)),
      h(
        "div",
        { class: "row-actions" },
        renameButton,
        h("button", {
          type: "button",
          class: "btn btn-small btn-danger-ghost",
          "aria-label": `Delete ${board.name}`,
          onclick: async () => {
            if (!(await confirmDialog("Delete this board?", `“${board.name}” will be deleted. Its ads stay in your library.`, "Delete board"))) return;
            try {
              await api.deleteBoard(board.id);
              invalidateBoards();
              toast(`Deleted “${board.name}”`);
              await refresh();
            } catch (error) {
              toast(errorMessage(error), "error");
            }
          },
        }, "Delete"),
      ),
    );
    return h("li", { class: "board-item" }, view, renameForm);
  }

  function renderList(items: Board[]): void {
    if (!items.length) {
      mount(list, empty("No boards yet", "Boards group ads you want to keep together: hooks, competitors, a campaign. Create one above."));
      return;
    }
    mount(list, h("ul", { class: "board-list", "aria-label": "Your boards" }, items.map(row)));
  }

  mount(
    main,
    h(
      "div",
      { class: "page narrow" },
      h("header", { class: "page-head" }, h("h1", null, "Boards"), h("p", { class: "lede" }, "Group saved ads. Add ads from the library’s selection bar or from an ad’s page.")),
      h("section", { class: "panel", "aria-label": "Create a board" }, form),
      list,
    ),
  );
  void refresh();
}
