import { afterEach, describe, expect, it, vi } from "vitest";
import { parseHash } from "../src/lib/router";
import { fakeFetch } from "./helpers";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
  document.body.replaceChildren();
});

async function renderAuth(mode: "login" | "signup", respond: Parameters<typeof fakeFetch>[0]) {
  const fake = fakeFetch(respond);
  vi.stubGlobal("fetch", fake.fetch);
  const { authPage } = await import("../src/pages/auth");
  const main = document.createElement("main");
  document.body.append(main);
  const onDone = vi.fn();
  authPage(main, parseHash("#/" + mode), mode, onDone);
  const form = main.querySelector("form")!;
  const set = (id: string, value: string) => ((main.querySelector(`#${id}`) as HTMLInputElement).value = value);
  const submit = () => form.dispatchEvent(new Event("submit", { cancelable: true }));
  return { main, onDone, calls: fake.calls, set, submit };
}

describe("sign-up form", () => {
  it("checks the fields before calling the API, and explains what is wrong", async () => {
    const page = await renderAuth("signup", () => ({ status: 500 }));
    page.set("email", "not-an-email");
    page.set("password", "short");
    page.submit();
    expect(page.calls).toHaveLength(0);
    const email = page.main.querySelector("#email")!;
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(email.getAttribute("aria-describedby")!)!.textContent).toMatch(/valid email/);
    expect(page.main.querySelector("#password-error")!.textContent).toMatch(/at least 10/);
  });

  it("signs up with a cookie session and continues", async () => {
    const page = await renderAuth("signup", () => ({
      status: 201,
      body: { user: { id: "u1", email: "ana@example.com", created_at: "" }, csrf_token: "c", expires_at: "", session_token: null },
    }));
    page.set("email", " ana@example.com ");
    page.set("password", "correct horse battery");
    page.submit();
    await vi.waitFor(() => expect(page.onDone).toHaveBeenCalled());
    expect(page.calls[0]!.url).toBe("/api/v1/auth/signup");
    expect(page.calls[0]!.body).toEqual({ email: "ana@example.com", password: "correct horse battery", transport: "cookie" });
  });

  it("shows a taken email next to the field", async () => {
    const page = await renderAuth("signup", () => ({ status: 409, body: { title: "Conflict", status: 409, detail: "email taken" } }));
    page.set("email", "ana@example.com");
    page.set("password", "correct horse battery");
    page.submit();
    await vi.waitFor(() => expect(page.main.querySelector("#email-error")).not.toBeNull());
    expect(page.main.querySelector("#email-error")!.textContent).toMatch(/exists already/);
    expect(page.onDone).not.toHaveBeenCalled();
  });
});

describe("log-in form", () => {
  it("shows the API's reason for a wrong password", async () => {
    const page = await renderAuth("login", () => ({ status: 401, body: { title: "Unauthorized", status: 401, detail: "wrong email or password" } }));
    page.set("email", "ana@example.com");
    page.set("password", "whatever-it-is");
    page.submit();
    await vi.waitFor(() => expect(page.main.querySelector(".form-error")!.textContent).toBe("wrong email or password"));
  });
});
