/** API tokens for the extension: create (shown once, with setup steps), list, revoke. */
import type { ApiToken, NewApiToken } from "../api/types";
import { confirmDialog, copyButton, empty, errorMessage, errorState, loading, setFieldError, toast } from "../components/feedback";
import { ADS_API_URL } from "../config";
import { h, mount } from "../lib/dom";
import { formatDateTime } from "../lib/format";
import { validateName } from "../lib/validate";
import { api } from "../state";

export function tokensPage(main: HTMLElement): void {
  const name = h("input", { id: "token-name", name: "name", type: "text", maxlength: "200", placeholder: "e.g. Work laptop", autocomplete: "off" });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Create token");
  const created = h("div", { class: "created-token" });
  const list = h("div", { class: "token-list" });

  const form = h(
    "form",
    { class: "inline-form", novalidate: true },
    h("div", { class: "field grow" }, h("label", { for: "token-name" }, "Token name"), name),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = validateName(name.value, { max: 200, what: "token" });
    setFieldError(name, problem);
    if (problem) return name.focus();
    submit.disabled = true;
    try {
      const token = await api.createToken(name.value.trim());
      name.value = "";
      showCreated(token);
      await refresh();
    } catch (error) {
      setFieldError(name, errorMessage(error));
      name.focus();
    } finally {
      submit.disabled = false;
    }
  });

  function showCreated(token: NewApiToken): void {
    mount(
      created,
      h(
        "section",
        { class: "panel panel-highlight", "aria-labelledby": "new-token-title", tabindex: "-1" },
        h("h2", { id: "new-token-title" }, `Token “${token.name}” created`),
        h("p", { class: "warn" }, "Copy it now: it is shown this once only. If you lose it, revoke it and create another."),
        h(
          "div",
          { class: "secret-row" },
          h("label", { for: "new-token-value", class: "visually-hidden" }, "Your new API token"),
          h("input", { id: "new-token-value", type: "text", class: "secret mono", readonly: true, spellcheck: false, value: token.token, onclick: (e: MouseEvent) => (e.target as HTMLInputElement).select() }),
          copyButton(() => token.token, "Copy", "token"),
        ),
        h("h3", null, "Set up the extension"),
        h(
          "ol",
          { class: "steps" },
          h("li", null, "Install the Magic Mango extension in Chrome (or another Chromium browser)."),
          h("li", null, "Open the extension’s options: right-click its icon and choose ", h("strong", null, "Options"), "."),
          h(
            "li",
            null,
            "Paste the API URL ",
            h("code", { class: "mono" }, ADS_API_URL),
            " ",
            copyButton(() => ADS_API_URL, "Copy", "API URL"),
            " and the token above, then save.",
          ),
          h("li", null, "Open the Facebook Ads Library and press ", h("strong", null, "Save"), " on any ad. It appears in your library within seconds."),
        ),
      ),
    );
    (created.firstElementChild as HTMLElement).focus();
  }

  async function refresh(): Promise<void> {
    mount(list, loading("Loading tokens…"));
    try {
      const tokens = await api.listTokens();
      renderList(tokens);
    } catch (error) {
      mount(list, errorState(error, () => void refresh()));
    }
  }

  function renderList(tokens: ApiToken[]): void {
    if (tokens.length === 0) {
      mount(list, empty("No tokens yet", "Create a token above and paste it into the extension’s options to start saving ads."));
      return;
    }
    mount(
      list,
      h(
        "table",
        { class: "table" },
        h("caption", { class: "visually-hidden" }, "Your API tokens"),
        h(
          "thead",
          null,
          h("tr", null, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Token"), h("th", { scope: "col" }, "Created"), h("th", { scope: "col" }, "Last used"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions"))),
        ),
        h(
          "tbody",
          null,
          tokens.map((token) =>
            h(
              "tr",
              null,
              h("td", null, token.name),
              h("td", { class: "mono" }, `${token.prefix}…`),
              h("td", null, formatDateTime(token.created_at)),
              h("td", null, token.last_used_at ? formatDateTime(token.last_used_at) : "Never"),
              h(
                "td",
                { class: "actions-cell" },
                h(
                  "button",
                  {
                    type: "button",
                    class: "btn btn-small btn-danger-ghost",
                    "aria-label": `Revoke token ${token.name}`,
                    onclick: async () => {
                      const ok = await confirmDialog("Revoke this token?", `The extension using “${token.name}” will stop saving ads within seconds.`, "Revoke");
                      if (!ok) return;
                      try {
                        await api.revokeToken(token.id);
                        toast(`Revoked “${token.name}”`);
                        await refresh();
                      } catch (error) {
                        toast(errorMessage(error), "error");
                      }
                    },
                  },
                  "Revoke",
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  mount(
    main,
    h(
      "div",
      { class: "page narrow" },
      h("header", { class: "page-head" }, h("h1", null, "API tokens"), h("p", { class: "lede" }, "The browser extension saves ads with an API token. Create one per browser; revoke it when you no longer use that browser.")),
      h("section", { class: "panel", "aria-labelledby": "create-token-title" }, h("h2", { id: "create-token-title" }, "Create a token"), form),
      created,
      h("section", { "aria-labelledby": "tokens-title" }, h("h2", { id: "tokens-title" }, "Your tokens"), list),
    ),
  );
  void refresh();
}
