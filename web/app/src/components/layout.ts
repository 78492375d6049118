/** The frame around every signed-in page: skip link, header with navigation, main. */
import { h } from "../lib/dom";

export const NAV = [
  { path: "/library", label: "Library" },
  { path: "/boards", label: "Boards" },
  { path: "/content", label: "Content" },
  { path: "/tokens", label: "API tokens" },
];

export function logo(): HTMLElement {
  return h(
    "span",
    { class: "logo" },
    h("span", { class: "logo-mark", "aria-hidden": "true" }),
    h("span", { class: "logo-text" }, "Magic Mango"),
  );
}

export function shell(options: { email: string | null; current: string; onLogout: () => void }): {
  root: HTMLElement;
  main: HTMLElement;
} {
  const main = h("main", { id: "main", tabindex: "-1" });
  const nav = options.email
    ? h(
        "nav",
        { "aria-label": "Main" },
        h(
          "ul",
          null,
          NAV.map((item) =>
            h(
              "li",
              null,
              h(
                "a",
                {
                  href: `#${item.path}`,
                  "aria-current": options.current.startsWith(item.path) ? "page" : null,
                },
                item.label,
              ),
            ),
          ),
        ),
      )
    : null;
  const account = options.email
    ? h(
        "div",
        { class: "account" },
        h("span", { class: "email", title: options.email }, options.email),
        h("button", { type: "button", class: "btn btn-small btn-ghost", onclick: options.onLogout }, "Log out"),
      )
    : null;
  const root = h(
    "div",
    { class: "shell" },
    h("a", { class: "skip", href: "#main", onclick: (e: MouseEvent) => { e.preventDefault(); main.focus(); } }, "Skip to content"),
    h("header", { class: "topbar" }, h("a", { class: "brand", href: options.email ? "#/library" : "#/login" }, logo()), nav, account),
    main,
  );
  return { root, main };
}
