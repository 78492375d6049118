import { describe, expect, it, vi } from "vitest";
import type { CreativeSummary } from "../src/api/types";
import { badges } from "../src/components/badges";
import { creativeCard, headline } from "../src/components/creativeCard";
import { resultToText, taskResult } from "../src/components/taskResult";
import { progressText, statusBadge } from "../src/components/taskStatus";
import { matchPath, parseHash } from "../src/lib/router";

function creative(extra: Partial<CreativeSummary> = {}): CreativeSummary {
  return {
    id: "c1", source: "facebook", library_id: "1234567890123456", page_id: "42", page_name: "Acme Shoes",
    display_format: "VIDEO", platforms: ["facebook", "instagram"], is_active: true, start_date: "2025-01-01T00:00:00Z",
    end_date: null, days_running: 42, versions: 3, title: "Run further", body: "Our lightest shoe yet.\nTry it.",
    cta_text: "Shop now", link_url: "https://acme.example", saved_at: "2025-03-01T12:00:00Z", tags: ["hooks"], note: null,
    board_ids: [], thumbnail_url: "/v1/media/17", ...extra,
  };
}

const texts = (el: Element) => Array.from(el.querySelectorAll("li")).map((li) => li.textContent);

describe("badges", () => {
  it("shows active status, days running, versions and format", () => {
    expect(texts(badges(creative()))).toEqual(["Active", "42 days running", "3 versions", "Video"]);
  });

  it("leaves out one version and unknown values, and marks long runners", () => {
    const el = badges(creative({ is_active: false, days_running: 1, versions: 1, display_format: null }));
    expect(texts(el)).toEqual(["Inactive", "1 day running"]);
    expect(badges(creative({ days_running: 90 })).querySelector(".badge-long")).not.toBeNull();
    expect(texts(badges(creative({ is_active: null, days_running: null, versions: 1, display_format: "DCO" })))).toEqual(["Dynamic creative"]);
  });
});

describe("creativeCard", () => {
  it("links to the creative, shows the archived thumbnail with alt text, and selects", () => {
    const onSelect = vi.fn();
    const card = creativeCard(creative(), { mediaUrl: (p) => `/api${p}`, selected: false, onSelect });
    const link = card.querySelector("h3 a") as HTMLAnchorElement;
    expect(link.getAttribute("href")).toBe("#/creatives/c1");
    expect(link.textContent).toBe("Run further");
    const img = card.querySelector("img")!;
    expect(img.getAttribute("src")).toBe("/api/v1/media/17");
    expect(img.getAttribute("alt")).toBe("Ad by Acme Shoes");
    document.body.append(card); // a checkbox's activation needs it in the document
    const box = card.querySelector<HTMLInputElement>("input[type=checkbox]")!;
    expect(box.getAttribute("aria-label")).toContain("Acme Shoes");
    box.click();
    expect(onSelect).toHaveBeenCalledWith(true);
    expect(card.classList.contains("selected")).toBe(true);
  });

  it("plays the archived video in place on demand", async () => {
    const loadVideo = vi.fn(async () => "/v1/media/18");
    const card = creativeCard(creative(), { mediaUrl: (p) => `/api${p}`, selected: false, onSelect: vi.fn(), loadVideo });
    (card.querySelector("button.play") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(card.querySelector("video")).not.toBeNull());
    expect(card.querySelector("video")!.getAttribute("src")).toBe("/api/v1/media/18");
  });

  it("says when no media was archived, and falls back to body text for a headline", () => {
    const card = creativeCard(creative({ thumbnail_url: null, display_format: "IMAGE", title: null }), { mediaUrl: (p) => p, selected: false, onSelect: vi.fn() });
    expect(card.querySelector(".media-missing")!.textContent).toMatch(/No image archived/);
    expect(headline(creative({ title: null }))).toBe("Our lightest shoe yet.");
    expect(headline(creative({ title: null, body: null }))).toBe("Ad 1234567890123456");
  });

  it("never interprets API text as HTML", () => {
    const card = creativeCard(creative({ title: "<img src=x onerror=alert(1)>" }), { mediaUrl: (p) => p, selected: false, onSelect: vi.fn() });
    expect(card.querySelectorAll("img")).toHaveLength(1);
    expect(card.querySelector("h3")!.textContent).toContain("<img");
  });
});

describe("task result", () => {
  const result = {
    summary: "Lead with the comfort angle.",
    variants: [
      { headline: "Run further", primary_text: "Light as air." },
      { headline: "Feel the cloud", primary_text: "Every step." },
    ],
    hooks: ["Pain point", "Social proof"],
  };

  it("turns any JSON into readable text for copying", () => {
    const text = resultToText(result);
    expect(text).toContain("Summary: Lead with the comfort angle.");
    expect(text).toContain("Variants:\n  1.\n    Headline: Run further");
    expect(text).toContain("  - Pain point");
  });

  it("renders sections with headings, items with copy buttons", () => {
    const el = taskResult(result);
    expect(Array.from(el.querySelectorAll("h3")).map((n) => n.textContent)).toEqual(["Summary", "Variants", "Hooks"]);
    expect(el.querySelectorAll(".result-item")).toHaveLength(2);
    expect(el.querySelector(".result-toolbar button")!.textContent).toBe("Copy all result");
    expect(el.textContent).toContain("Feel the cloud");
  });

  it("renders a plain string result", () => {
    expect(taskResult("Just text").textContent).toContain("Just text");
  });

  it("describes each status", () => {
    expect(statusBadge({ status: "running" }).textContent).toBe("Writing…");
    expect(progressText({ status: "failed", attempts: 1, error: "bad input" })).toBe("Failed: bad input");
    expect(progressText({ status: "running", attempts: 2, error: null })).toMatch(/attempt 2/);
  });
});

describe("router", () => {
  it("parses hash paths, params and queries", () => {
    const route = parseHash("#/library?q=shoes&platform=instagram");
    expect(route.path).toBe("/library");
    expect(route.query.get("q")).toBe("shoes");
    expect(matchPath("/creatives/:id", "/creatives/abc%20d")).toEqual({ id: "abc d" });
    expect(matchPath("/creatives/:id", "/boards/abc")).toBeNull();
    expect(parseHash("").path).toBe("/");
  });
});
