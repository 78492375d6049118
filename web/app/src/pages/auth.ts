/** Sign up and log in: one form, checked in the browser first, then by the API. */
import { ApiError } from "../api/client";
import { errorMessage, setFieldError } from "../components/feedback";
import { h, mount } from "../lib/dom";
import type { Route } from "../lib/router";
import { PASSWORD_MIN, validateEmail, validatePassword } from "../lib/validate";
import { api, session } from "../state";

export function authPage(main: HTMLElement, _route: Route, mode: "login" | "signup", onDone: () => void): void {
  const signup = mode === "signup";
  const email = h("input", { id: "email", name: "email", type: "email", autocomplete: "email", required: true, spellcheck: false });
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: signup ? "new-password" : "current-password",
    required: true,
    minlength: signup ? String(PASSWORD_MIN) : null,
  });
  const formError = h("div", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block" }, signup ? "Create account" : "Log in");

  const form = h(
    "form",
    { class: "auth-form", novalidate: true, "aria-labelledby": "auth-title" },
    h("h1", { id: "auth-title" }, signup ? "Create your account" : "Log in to Magic Mango"),
    h(
      "p",
      { class: "lede" },
      signup
        ? "Save ads from the Facebook Ads Library for good, and turn them into briefs, copy and scripts."
        : "Your saved ads, boards and content are waiting.",
    ),
    formError,
    h("div", { class: "field" }, h("label", { for: "email" }, "Email"), email),
    h(
      "div",
      { class: "field" },
      h("label", { for: "password" }, "Password"),
      signup ? h("p", { class: "hint", id: "password-hint" }, `At least ${PASSWORD_MIN} characters.`) : null,
      password,
    ),
    submit,
    h(
      "p",
      { class: "switch" },
      signup ? "Already have an account? " : "New to Magic Mango? ",
      h("a", { href: signup ? "#/login" : "#/signup" }, signup ? "Log in" : "Create an account"),
    ),
  );
  if (signup) password.setAttribute("aria-describedby", "password-hint");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError.textContent = "";
    const emailProblem = validateEmail(email.value);
    const passwordProblem = validatePassword(password.value, { forSignup: signup });
    setFieldError(email, emailProblem);
    setFieldError(password, passwordProblem);
    if (signup && !passwordProblem) password.setAttribute("aria-describedby", "password-hint");
    if (emailProblem) return email.focus();
    if (passwordProblem) return password.focus();
    submit.disabled = true;
    submit.textContent = signup ? "Creating account…" : "Logging in…";
    try {
      const answer = signup ? await api.signup(email.value.trim(), password.value) : await api.login(email.value.trim(), password.value);
      session.user = answer.user;
      onDone();
    } catch (error) {
      submit.disabled = false;
      submit.textContent = signup ? "Create account" : "Log in";
      if (error instanceof ApiError) {
        const emailApi = error.messageFor("email");
        const passwordApi = error.messageFor("password");
        if (emailApi) setFieldError(email, emailApi);
        if (passwordApi) setFieldError(password, passwordApi);
        if (error.status === 409) {
          setFieldError(email, "An account with this email exists already. Log in instead?");
          email.focus();
          return;
        }
        if (emailApi || passwordApi) return;
      }
      formError.textContent = errorMessage(error);
    }
  });

  mount(main, h("div", { class: "auth" }, form));
  email.focus();
}
