import { describe, expect, it } from "vitest";
import { contentText, contentView } from "../src/components/contentViews";
import { taskResult } from "../src/components/taskResult";
import { kindParameters } from "../src/pages/content";

const variants = {
  tone: "playful",
  platforms: ["facebook", "instagram"],
  limits: { headline: 40, description: 30, primary_text: 125 },
  variants: [
    { technique: "question_hook", based_on: "900000000000001", hook: "Looking?", primary_text: "Looking for shoes? Shop now.", headline: "Meet the shoe", description: "Shop now", uses_templates: false },
    { technique: "number_led", based_on: "900000000000002", hook: "3 reasons", primary_text: "x".repeat(130), headline: "{{product.name}}", description: "Learn more", uses_templates: true },
  ],
};

const outline = {
  based_on: ["900000000000001"],
  duration_seconds: 20,
  aspect_ratio: "9:16",
  beats: [
    { name: "hook", start_seconds: 0, end_seconds: 3, voiceover: "Hungry?", on_screen_text: "Hungry?", visual: "Close up" },
    { name: "call_to_action", start_seconds: 17.6, end_seconds: 20, voiceover: "Shop now", on_screen_text: "Shop now", visual: "End card" },
  ],
};

describe("content views", () => {
  it("shows copy variants in reading order with character counts against the limits", () => {
    const view = contentView("copy_variants", variants)!;
    expect(view.querySelectorAll(".cv-card")).toHaveLength(2);
    const first = view.querySelector(".cv-card")!;
    expect(Array.from(first.querySelectorAll(".cv-label")).map((n) => n.textContent)).toEqual(["Primary text", "Headline", "Description"]);
    expect(view.querySelector(".cv-count.over")!.textContent).toBe("130/125");
    expect(view.textContent).toContain("Uses catalog templates");
    expect(view.querySelector(".cv-meta")!.textContent).toContain("Tone: Playful");
  });

  it("copies variants as plain text", () => {
    const text = contentText("copy_variants", variants)!;
    expect(text).toContain("Variant 1 (Question hook)\nPrimary text: Looking for shoes? Shop now.\nHeadline: Meet the shoe");
  });

  it("shows a script outline as timed beats", () => {
    const view = contentView("script_outline", outline)!;
    expect(Array.from(view.querySelectorAll(".cv-beat-name")).map((n) => n.textContent)).toEqual(["Hook", "Call to action"]);
    expect(view.textContent).toContain("17.6s – 20s");
    expect(contentText("script_outline", outline)).toContain("0s–3s HOOK\n  Voiceover: Hungry?");
  });

  it("shows a brief per creative and what they share", () => {
    const view = contentView("brief", {
      creatives: [{ creative_id: "c1", library_id: "1", advertiser: "Acme", hook: "Body", headline: "Head", offer: [{ kind: "discount", text: "20% off" }], claims: [], call_to_action: "Shop now", format: "image", days_running: 12, versions: 2, is_active: true, media: { description: "1 image" }, notes: ["One short line"], templates: [] }],
      common_claims: [],
      platforms: ["facebook"],
      longest_running: "1",
    })!;
    expect(view.querySelector("h3")!.textContent).toBe("Across these ads");
    expect(view.textContent).toContain("12 days running");
    expect(view.textContent).toContain("Discount: 20% off");
    expect(view.querySelector("a")!.getAttribute("href")).toBe("#/creatives/c1");
  });

  it("falls back to the generic view for unknown kinds and shapes", () => {
    expect(contentView("brief", { something: "else" })).toBeNull();
    expect(contentView("new_kind", { a: 1 })).toBeNull();
    expect(taskResult({ summary: "x" }, "new_kind").textContent).toContain("Summary");
  });
});

describe("content parameters", () => {
  it("builds each kind's parameters and checks their ranges", () => {
    const values = { count: "3", tone: "playful", duration: "20", aspect: "4:5" };
    expect(kindParameters("brief", values)).toEqual({});
    expect(kindParameters("copy_variants", values)).toEqual({ count: 3, tone: "playful" });
    expect(kindParameters("script_outline", values)).toEqual({ duration_seconds: 20, aspect_ratio: "4:5" });
    expect(kindParameters("copy_variants", { ...values, count: "21" })).toMatch(/1 to 20/);
    expect(kindParameters("script_outline", { ...values, duration: "5" })).toMatch(/6 to 180/);
  });
});
