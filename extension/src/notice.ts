/**
 * What the user is told when saves could not be kept offline (storage budget or quota):
 * the popup's notice and the toolbar badge. Pure, so tests can check the wording.
 */

import type { Status } from "./messages";

/** The popup's notice, or null when there is nothing to tell. */
export function notKeptMessage(status: Pick<Status, "notKept">): string | null {
  const n = status.notKept;
  if (n <= 0) return null;
  const what = n === 1 ? "1 creative" : `${n} creatives`;
  return (
    `${what} could not be kept offline (the extension's offline storage was full); ` +
    "open the page again once online and save them again. Their Save buttons show “Retry save”."
  );
}

export interface Badge {
  text: string;
  color: string;
  title: string;
}

/** The toolbar badge: the count of saves not kept, in red; nothing otherwise. */
export function badgeFor(status: Pick<Status, "notKept">): Badge {
  const n = status.notKept;
  if (n <= 0) return { text: "", color: "#dc2626", title: "Magic Mango" };
  return {
    text: n > 99 ? "99+" : String(n),
    color: "#dc2626",
    title: `Magic Mango: ${notKeptMessage(status) ?? ""}`,
  };
}
