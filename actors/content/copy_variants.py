"""The ``copy_variants`` generator: rewrites of hook, body and headline, each labelled.

Every variant fits the visible length of the strictest target platform (Meta shows about
125 characters of primary text before "See more", a headline of about 40 and a link
description of about 30), and says which copywriting technique it uses.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from actors.content.brief import all_texts
from actors.content.errors import GenerationError
from actors.content.generator import CreativeData, TaskInput
from actors.content.text import (
    Claim,
    clean,
    find_call_to_action,
    find_claims,
    first_sentence,
    sentences,
    templates,
    truncate,
)

__all__ = [
    "PLATFORM_LIMITS",
    "TECHNIQUES",
    "CopyVariant",
    "CopyVariantsGenerator",
    "CopyVariantsParameters",
    "CopyVariantsResult",
    "LengthLimits",
]

Tone = Literal["neutral", "friendly", "playful", "urgent", "premium"]
Platform = Literal["facebook", "instagram", "messenger", "audience_network", "threads"]
Technique = Literal[
    "question_hook",
    "number_led",
    "benefit_first",
    "social_proof",
    "urgency",
    "curiosity_gap",
    "direct_offer",
]
TECHNIQUES: tuple[Technique, ...] = (
    "question_hook",
    "number_led",
    "benefit_first",
    "social_proof",
    "urgency",
    "curiosity_gap",
    "direct_offer",
)


class LengthLimits(msgspec.Struct, frozen=True, kw_only=True):
    """Characters a placement shows before it truncates."""

    primary_text: int
    headline: int
    description: int


PLATFORM_LIMITS: dict[str, LengthLimits] = {
    "facebook": LengthLimits(primary_text=125, headline=40, description=30),
    "instagram": LengthLimits(primary_text=125, headline=40, description=30),
    "messenger": LengthLimits(primary_text=125, headline=40, description=30),
    "audience_network": LengthLimits(primary_text=125, headline=25, description=30),
    "threads": LengthLimits(primary_text=125, headline=40, description=30),
}


class CopyVariantsParameters(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Parameters of copy variants."""

    count: Annotated[int, Meta(ge=1, le=20)] = 5
    tone: Tone = "neutral"
    platforms: Annotated[list[Platform], Meta(max_length=5)] | None = None
    """Target platforms; by default the platforms the creatives ran on (or Facebook)."""


class CopyVariant(msgspec.Struct, frozen=True, kw_only=True):
    """One rewrite."""

    technique: Technique
    based_on: str
    """Library ID of the creative rewritten."""
    hook: str
    primary_text: str
    headline: str
    description: str
    uses_templates: bool


class CopyVariantsResult(msgspec.Struct, frozen=True, kw_only=True):
    """The variants, and the limits they were written under."""

    tone: Tone
    platforms: list[str]
    limits: LengthLimits
    variants: list[CopyVariant]


class _Material(msgspec.Struct, frozen=True, kw_only=True):
    library_id: str
    subject: str
    hook: str
    benefit: str
    rest: list[str]
    cta: str
    offer: str | None
    number: str | None
    social: str | None
    urgency: str | None


class CopyVariantsGenerator:
    """Rewrites the creatives' copy with a different technique per variant."""

    kind = "copy_variants"
    parameters_type = CopyVariantsParameters
    result_type = CopyVariantsResult

    async def generate(self, task: TaskInput) -> CopyVariantsResult:
        """Write ``count`` variants, cycling through techniques and creatives."""
        params = task.params(CopyVariantsParameters)
        platforms: list[str] = sorted(
            set[str](params.platforms or [])
            or {
                p.lower()
                for creative in task.creatives
                for p in creative.platforms
                if p.lower() in PLATFORM_LIMITS
            }
            or {"facebook"}
        )
        limits = LengthLimits(
            primary_text=min(PLATFORM_LIMITS[p].primary_text for p in platforms),
            headline=min(PLATFORM_LIMITS[p].headline for p in platforms),
            description=min(PLATFORM_LIMITS[p].description for p in platforms),
        )
        materials = [_material(creative) for creative in task.creatives]
        variants = []
        for index in range(params.count):
            technique = TECHNIQUES[index % len(TECHNIQUES)]
            material = materials[index % len(materials)]
            variants.append(
                _variant(
                    material,
                    technique,
                    round_=index // len(TECHNIQUES),
                    tone=params.tone,
                    limits=limits,
                )
            )
        return CopyVariantsResult(
            tone=params.tone, platforms=platforms, limits=limits, variants=variants
        )


def _material(creative: CreativeData) -> _Material:
    texts = all_texts(creative)
    if not texts and not creative.page_name:
        raise GenerationError(
            f"creative {creative.library_id} has no text to rewrite (no body, headline, "
            "description or cards); choose a creative with copy"
        )
    body = clean(creative.body or next((c.body for c in creative.cards if c.body), None))
    title = clean(creative.title or next((c.title for c in creative.cards if c.title), None))
    parts = sentences(body)
    hook = parts[0] if parts else (title or creative.page_name or "")
    rest = parts[1:]
    claims = find_claims(texts)

    def first(*kinds: str) -> str | None:
        return next((c.text for c in claims if c.kind in kinds), None)

    benefit = next(
        (s for s in rest if not s.endswith("?") and len(s) >= 12),
        clean(creative.link_description) or hook,
    )
    cta = (
        creative.cta_text
        or next((c.cta_text for c in creative.cards if c.cta_text), None)
        or find_call_to_action(texts)
        or "Learn more"
    )
    return _Material(
        library_id=creative.library_id,
        subject=title or creative.page_name or first_sentence(body) or "this",
        hook=hook,
        benefit=benefit,
        rest=rest,
        cta=clean(cta),
        offer=first("discount", "free", "price"),
        number=first("discount", "percentage", "quantity", "social_proof", "price"),
        social=_social_proof(claims),
        urgency=first("urgency"),
    )


def _social_proof(claims: list[Claim]) -> str | None:
    """The best social proof: a number of people, else a rating, else any."""
    proofs = [c.text for c in claims if c.kind == "social_proof"]
    counted = [p for p in proofs if any(ch.isdigit() for ch in p)]
    people = [p for p in counted if p[-1:].isalpha() and not p.casefold().endswith("stars")]
    return next(iter(people + counted + proofs), None)


def _hook(m: _Material, technique: Technique, round_: int) -> str:
    subject = truncate(m.subject, 40)
    benefit = _sentence(m.benefit)
    options: list[str]
    match technique:
        case "question_hook":
            options = [
                f"Looking for {subject}?",
                f"What if {_lower_first(benefit).rstrip('.!')}?",
                f"Have you tried {subject} yet?",
            ]
        case "number_led":
            options = (
                [f"{m.number}: {benefit}", f"{m.number}. That's {subject}."]
                if m.number
                else [f"3 reasons to choose {subject}.", f"1 change, all the difference: {subject}"]
            )
        case "benefit_first":
            options = [
                benefit,
                f"{benefit} That's {subject}.",
                f"{subject}: {_lower_first(benefit)}",
            ]
        case "social_proof":
            options = (
                [f"{_upper_first(m.social)}, and counting.", f"Why {m.social} chose {subject}."]
                if m.social
                else [
                    f"See why people are switching to {subject}.",
                    f"Everyone's asking about {subject}.",
                ]
            )
        case "urgency":
            deal = m.offer or subject
            options = (
                [f"{_upper_first(m.urgency)}: {deal}.", f"{deal}, {_lower_first(m.urgency)}."]
                if m.urgency
                else [f"Don't wait on {deal}.", f"{_upper_first(deal)}, while it lasts."]
            )
        case "curiosity_gap":
            options = [
                f"Here's what makes {subject} different.",
                f"The detail about {subject} most people miss.",
                f"We didn't expect this from {subject}.",
            ]
        case "direct_offer":
            options = (
                [f"{_upper_first(m.offer)}. {m.cta}.", f"{_upper_first(m.offer)} on {subject}."]
                if m.offer
                else [f"{subject}. {m.cta}.", f"Get {subject} today."]
            )
    return options[round_ % len(options)].replace("..", ".")


def _variant(
    m: _Material, technique: Technique, *, round_: int, tone: Tone, limits: LengthLimits
) -> CopyVariant:
    hook = _tone(_hook(m, technique, round_), tone)
    hook = truncate(hook, limits.primary_text)
    support = [s for s in [m.benefit, *m.rest] if s not in hook][:2]
    cta = _tone_cta(m.cta, tone)
    primary = hook
    for extra in [*support, cta]:
        candidate = f"{primary} {_sentence(extra)}"
        if len(candidate) <= limits.primary_text:
            primary = candidate
    headline = truncate(_headline(m, technique), limits.headline)
    description = truncate(m.offer or m.cta, limits.description)
    text = " ".join([primary, headline, description])
    return CopyVariant(
        technique=technique,
        based_on=m.library_id,
        hook=hook,
        primary_text=primary,
        headline=headline,
        description=description,
        uses_templates=bool(templates(text)),
    )


def _headline(m: _Material, technique: Technique) -> str:
    match technique:
        case "number_led" if m.number:
            return f"{m.number} · {m.subject}"
        case "direct_offer" | "urgency" if m.offer:
            return _upper_first(m.offer)
        case "social_proof" if m.social:
            return f"{m.subject}, loved by {m.social}"
        case "question_hook":
            return f"Meet {m.subject}"
        case _:
            return m.subject


def _tone(text: str, tone: Tone) -> str:
    match tone:
        case "playful":
            return text.rstrip(".") + " ✨" if not text.endswith("?") else text + " 👀"
        case "urgent":
            return text.rstrip(".") + "!" if not text.endswith(("?", "!")) else text
        case "premium":
            return text.replace("!", ".")
        case "friendly":
            return text
        case _:
            return text


def _tone_cta(cta: str, tone: Tone) -> str:
    if tone == "urgent" and "now" not in cta.casefold():
        return f"{cta.rstrip('.!')} now!"
    if tone == "friendly":
        return f"Go on, {_lower_first(cta.rstrip('.!'))}."
    return cta


def _sentence(text: str) -> str:
    text = clean(text).replace("\n", " ")
    return text if not text or text[-1] in ".!?…" or text.endswith("}}") else text + "."


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
