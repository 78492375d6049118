import { describe, expect, it } from "vitest";
import { parseTags, validateEmail, validateName, validatePassword } from "../src/lib/validate";

describe("form validation", () => {
  it("accepts ordinary emails and explains bad ones", () => {
    expect(validateEmail(" ana@example.com ")).toBeNull();
    expect(validateEmail("")).toMatch(/Enter your email/);
    expect(validateEmail("ana.example.com")).toMatch(/valid email/);
    expect(validateEmail("a@b@c")).toMatch(/valid email/);
    expect(validateEmail("an a@example.com")).toMatch(/no spaces/);
  });

  it("asks for 10 to 200 characters on sign-up only", () => {
    expect(validatePassword("short", { forSignup: true })).toMatch(/at least 10/);
    expect(validatePassword("x".repeat(201), { forSignup: true })).toMatch(/at most 200/);
    expect(validatePassword("long enough!", { forSignup: true })).toBeNull();
    expect(validatePassword("short", { forSignup: false })).toBeNull();
    expect(validatePassword("", { forSignup: false })).toMatch(/Enter your password/);
  });

  it("checks names of boards and tokens", () => {
    expect(validateName("  ", { max: 100, what: "board" })).toBe("Give the board a name.");
    expect(validateName("x".repeat(101), { max: 100, what: "board" })).toMatch(/100 characters/);
    expect(validateName("Hooks", { max: 100, what: "board" })).toBeNull();
  });

  it("normalises tags as the API does", () => {
    expect(parseTags("Hooks, ugc ,hooks,, UGC")).toEqual({ tags: ["hooks", "ugc"], error: null });
    expect(parseTags("").tags).toEqual([]);
    expect(parseTags("x".repeat(51)).error).toMatch(/longer than 50/);
  });
});
