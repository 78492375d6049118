"""The ``script_outline`` generator: timed beats of a video, from hook to call to action.

The hook takes the first three seconds (less in very short videos), the call to action the
last few, and the middle beats share the rest. Each beat's voice-over is cut to what can be
said in its time (about 2.5 words a second).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from actors.content.brief import all_texts
from actors.content.errors import GenerationError
from actors.content.generator import CreativeData, TaskInput
from actors.content.text import clean, find_claims, sentences, truncate

__all__ = [
    "Beat",
    "ScriptOutline",
    "ScriptOutlineGenerator",
    "ScriptOutlineParameters",
]

WORDS_PER_SECOND = 2.5
ON_SCREEN_CHARACTERS = 40
BeatName = Literal["hook", "problem", "benefit", "proof", "offer", "call_to_action"]


class ScriptOutlineParameters(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """Parameters of a script outline."""

    duration_seconds: Annotated[int, Meta(ge=6, le=180)] = 30
    aspect_ratio: Literal["9:16", "4:5", "1:1", "16:9"] = "9:16"


class Beat(msgspec.Struct, frozen=True, kw_only=True):
    """One timed part of the video."""

    name: BeatName
    start_seconds: float
    end_seconds: float
    voiceover: str
    on_screen_text: str
    visual: str


class ScriptOutline(msgspec.Struct, frozen=True, kw_only=True):
    """The outline: beats covering the whole duration, in order."""

    based_on: list[str]
    """Library IDs of the creatives used."""
    duration_seconds: int
    aspect_ratio: str
    beats: list[Beat]


# Relative length of the middle beats; a beat without material is left out.
_PROOF = frozenset({"social_proof", "guarantee", "superlative"})
_OFFER = frozenset({"discount", "free", "price", "urgency"})
_MIDDLE_WEIGHTS: dict[BeatName, int] = {"problem": 2, "benefit": 3, "proof": 2, "offer": 2}


class ScriptOutlineGenerator:
    """Outlines a video ad from the creatives' texts, cards and media."""

    kind = "script_outline"
    parameters_type = ScriptOutlineParameters
    result_type = ScriptOutline

    async def generate(self, task: TaskInput) -> ScriptOutline:
        """Outline a video of ``duration_seconds`` built from the task's creatives."""
        params = task.params(ScriptOutlineParameters)
        material = _material(task.creatives)
        duration = params.duration_seconds
        hook_end = min(3.0, round(duration * 0.2, 1))
        cta_length = max(2.0, round(duration * 0.12, 1))
        middle = [name for name in _MIDDLE_WEIGHTS if material.get(name)]
        if duration < 15:
            middle = middle[:1] or ["benefit"]
        span = duration - hook_end - cta_length
        total_weight = sum(_MIDDLE_WEIGHTS[name] for name in middle)
        bounds: list[tuple[BeatName, float, float]] = [("hook", 0.0, hook_end)]
        start = hook_end
        for name in middle:
            end = round(start + span * _MIDDLE_WEIGHTS[name] / total_weight, 1)
            bounds.append((name, start, end))
            start = end
        bounds.append(("call_to_action", start, float(duration)))
        beats = [
            _beat(name, begin, end, material, task.creatives, index)
            for index, (name, begin, end) in enumerate(bounds)
        ]
        return ScriptOutline(
            based_on=[c.library_id for c in task.creatives],
            duration_seconds=duration,
            aspect_ratio=params.aspect_ratio,
            beats=beats,
        )


def _material(creatives: list[CreativeData]) -> dict[str, list[str]]:
    lines: list[str] = []
    for creative in creatives:
        for part in sentences(creative.body):
            if part not in lines:
                lines.append(part)
        for card in creative.cards:
            for part in [clean(card.title), *sentences(card.body)]:
                if part and part not in lines:
                    lines.append(part)
    texts = "\n".join(all_texts(c) for c in creatives)
    if not lines and not texts:
        raise GenerationError(
            "the creatives have no text to build a script from (no body, headline or cards)"
        )
    claims = find_claims(texts)
    first = creatives[0]
    title = clean(first.title) or next((clean(c.title) for c in first.cards if c.title), "")
    questions = [line for line in lines[1:] if line.endswith("?")]
    statements = [line for line in lines[1:] if not line.endswith("?")]
    description = clean(first.link_description)
    cta = first.cta_text or next((c.cta_text for c in first.cards if c.cta_text), None)
    return {
        "hook": lines[:1] or [title or clean(first.page_name) or "Stop scrolling."],
        "problem": questions[:2],
        "benefit": statements[:3] or ([description] if description else []),
        "proof": [c.text for c in claims if c.kind in _PROOF][:3],
        "offer": [c.text for c in claims if c.kind in _OFFER][:3],
        "call_to_action": [clean(cta) if cta else "Tap the link to learn more."],
        "title": [title] if title else [],
    }


def _beat(
    name: BeatName,
    start: float,
    end: float,
    material: dict[str, list[str]],
    creatives: list[CreativeData],
    index: int,
) -> Beat:
    lines = material.get(name) or material["hook"]
    max_words = max(2, int((end - start) * WORDS_PER_SECOND))
    spoken = " ".join(" ".join(lines).split()[:max_words])
    if name in ("proof", "offer"):
        spoken = _sentence(", ".join(lines))
        spoken = " ".join(spoken.split()[:max_words])
    on_screen = truncate(
        (material["title"] or lines)[0] if name == "benefit" else lines[0], ON_SCREEN_CHARACTERS
    )
    return Beat(
        name=name,
        start_seconds=start,
        end_seconds=end,
        voiceover=spoken,
        on_screen_text=on_screen,
        visual=_visual(name, creatives, index),
    )


def _visual(name: BeatName, creatives: list[CreativeData], index: int) -> str:
    creative = creatives[index % len(creatives)]
    videos = [m for m in creative.media if m.kind == "video"]
    cards = creative.cards
    match name:
        case "hook":
            if videos:
                return f"Open on the strongest moment of ad {creative.library_id}'s video."
            return "Open on the product in motion, close up, with the hook as a caption."
        case "benefit" if cards:
            card = cards[index % len(cards)]
            label = clean(card.title) or f"card {index % len(cards) + 1}"
            return f"Show the product in use, as in the carousel's '{truncate(label, 30)}'."
        case "proof":
            return "Cut to a customer testimonial or review on screen."
        case "offer":
            return "Show the offer as bold on-screen text over the product."
        case "call_to_action":
            return "End card: product, logo and the call to action button."
        case _:
            return "Show the problem the product solves, in a real setting."


def _sentence(text: str) -> str:
    return text if not text or text[-1] in ".!?…" else text + "."
