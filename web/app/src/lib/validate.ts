/** Form checks that match the Backend API's rules, so users learn before submitting. */

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export function validateEmail(raw: string): string | null {
  const email = raw.trim();
  if (email === "") return "Enter your email address.";
  if (email.length < 3 || email.length > 320) return "Enter a valid email address.";
  const at = email.split("@");
  if (at.length !== 2 || !at[0] || !at[1]) return "Enter a valid email address, like ana@example.com.";
  if (/\s/.test(email)) return "An email address has no spaces.";
  return null;
}

export function validatePassword(password: string, { forSignup }: { forSignup: boolean }): string | null {
  if (password === "") return "Enter your password.";
  if (!forSignup) return null;
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  return null;
}

export function validateName(raw: string, { max, what }: { max: number; what: string }): string | null {
  const name = raw.trim();
  if (name === "") return `Give the ${what} a name.`;
  if (name.length > max) return `Keep the ${what} name to ${max} characters.`;
  return null;
}

/** Splits "hooks, UGC ,hooks" into ["hooks", "ugc"], as the API normalises tags. */
export function parseTags(raw: string): { tags: string[]; error: string | null } {
  const tags: string[] = [];
  for (const part of raw.split(",")) {
    const tag = part.trim().toLowerCase();
    if (tag === "") continue;
    if (tag.length > 50) return { tags: [], error: `Tag "${tag.slice(0, 20)}…" is longer than 50 characters.` };
    if (!tags.includes(tag)) tags.push(tag);
  }
  if (tags.length > 50) return { tags: [], error: "Use at most 50 tags." };
  return { tags, error: null };
}
