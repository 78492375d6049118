"""The ``brief`` generator: what each creative says, offers and shows, and how it runs."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import msgspec
from msgspec import Meta

from actors.content.generator import CreativeData, MediaData, TaskInput
from actors.content.text import (
    OFFER_KINDS,
    Claim,
    clean,
    find_call_to_action,
    find_claims,
    first_sentence,
    sentences,
    templates,
    words,
)

__all__ = [
    "BriefGenerator",
    "BriefParameters",
    "BriefResult",
    "CreativeBrief",
    "MediaSummary",
    "all_texts",
]

# Meta truncates feed primary text after about 125 characters ("See more").
FEED_VISIBLE_CHARACTERS = 125
LONG_RUNNING_DAYS = 30


class BriefParameters(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Parameters of a brief."""

    max_claims: Annotated[int, Meta(ge=1, le=50)] = 12
    """Claims listed per creative at most."""


class MediaSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What the creative's media is, and how much of it is archived."""

    images: int
    videos: int
    stored: int
    missing: int
    description: str


class CreativeBrief(msgspec.Struct, frozen=True, kw_only=True):
    """The brief of one creative."""

    creative_id: str
    library_id: str
    advertiser: str | None
    hook: str | None
    headline: str | None
    offer: list[Claim]
    claims: list[Claim]
    call_to_action: str | None
    format: str
    body_characters: int
    body_words: int
    truncated_in_feed: bool
    platforms: list[str]
    days_running: int | None
    is_active: bool | None
    versions: int | None
    cards: int
    media: MediaSummary
    templates: list[str]
    notes: list[str]


class BriefResult(msgspec.Struct, frozen=True, kw_only=True):
    """A brief per creative, and what they share."""

    creatives: list[CreativeBrief]
    common_claims: list[str]
    """Claim kinds found in more than one creative, most frequent first."""
    platforms: list[str]
    longest_running: str | None
    """Library ID of the creative that ran longest."""


class BriefGenerator:
    """Makes a brief of each creative from its texts, cards, media and run."""

    kind = "brief"
    parameters_type = BriefParameters
    result_type = BriefResult

    async def generate(self, task: TaskInput) -> BriefResult:
        """Write the brief of every creative of ``task``."""
        params = task.params(BriefParameters)
        briefs = [brief_of(creative, max_claims=params.max_claims) for creative in task.creatives]
        kinds: Counter[str] = Counter()
        for brief in briefs:
            kinds.update({claim.kind for claim in [*brief.offer, *brief.claims]})
        platforms = sorted({p for brief in briefs for p in brief.platforms})
        running = [b for b in briefs if b.days_running is not None]
        longest = max(running, key=lambda b: (b.days_running or 0, b.library_id), default=None)
        return BriefResult(
            creatives=briefs,
            common_claims=[
                kind for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])) if n > 1
            ],
            platforms=platforms,
            longest_running=longest.library_id if longest else None,
        )


def all_texts(creative: CreativeData) -> str:
    """Every text of the creative and its cards, one per line, for claim hunting."""
    parts = [creative.body, creative.title, creative.link_description, creative.caption]
    for card in creative.cards:
        parts += [card.body, card.title, card.link_description]
    seen: list[str] = []
    for part in parts:
        text = clean(part)
        if text and text not in seen:
            seen.append(text)
    return "\n".join(seen)


def brief_of(creative: CreativeData, *, max_claims: int) -> CreativeBrief:
    """The brief of one creative."""
    body = creative.body or next((c.body for c in creative.cards if c.body), None)
    headline = creative.title or next((c.title for c in creative.cards if c.title), None)
    texts = all_texts(creative)
    found = find_claims(texts, limit=max_claims * 2)
    offer = [claim for claim in found if claim.kind in OFFER_KINDS][:max_claims]
    claims = [claim for claim in found if claim.kind not in OFFER_KINDS][:max_claims]
    cta = creative.cta_text or next((c.cta_text for c in creative.cards if c.cta_text), None)
    body_text = clean(body)
    media = summarise_media(creative.media)
    brief_format = describe_format(creative, media)
    platforms = sorted({p.lower() for p in creative.platforms})
    return CreativeBrief(
        creative_id=creative.id,
        library_id=creative.library_id,
        advertiser=creative.page_name,
        hook=first_sentence(body) or clean(headline) or None,
        headline=clean(headline) or None,
        offer=offer,
        claims=claims,
        call_to_action=cta or _cta_type(creative.cta_type) or find_call_to_action(texts),
        format=brief_format,
        body_characters=len(body_text),
        body_words=len(words(body_text)),
        truncated_in_feed=len(body_text) > FEED_VISIBLE_CHARACTERS,
        platforms=platforms,
        days_running=creative.days_running,
        is_active=creative.is_active,
        versions=creative.collation_count,
        cards=len(creative.cards),
        media=media,
        templates=templates(texts),
        notes=_notes(creative, body_text, offer, claims),
    )


def summarise_media(media: list[MediaData]) -> MediaSummary:
    """Count the images and videos and say what is archived."""
    images = sum(1 for m in media if m.kind == "image")
    videos = sum(1 for m in media if m.kind == "video")
    stored = sum(1 for m in media if m.status == "stored")
    parts = []
    if videos:
        parts.append(f"{videos} video{'s' * (videos > 1)}")
    if images:
        parts.append(f"{images} image{'s' * (images > 1)}")
    description = " and ".join(parts) if parts else "no media"
    if media:
        description += f" ({stored} of {len(media)} archived)"
    return MediaSummary(
        images=images,
        videos=videos,
        stored=stored,
        missing=len(media) - stored,
        description=description,
    )


def describe_format(creative: CreativeData, media: MediaSummary) -> str:
    """The display format in lower case, or one inferred from the media and cards."""
    if creative.display_format:
        return creative.display_format.lower()
    if len(creative.cards) > 1:
        return "carousel"
    if media.videos:
        return "video"
    if media.images:
        return "image"
    return "text"


def _cta_type(cta_type: str | None) -> str | None:
    return cta_type.replace("_", " ").capitalize() if cta_type else None


def _notes(creative: CreativeData, body: str, offer: list[Claim], claims: list[Claim]) -> list[str]:
    notes: list[str] = []
    days = creative.days_running
    if days is not None and days >= LONG_RUNNING_DAYS:
        notes.append(f"Ran {days} days: advertisers rarely keep paying for an ad that loses.")
    if creative.collation_count and creative.collation_count > 1:
        notes.append(f"{creative.collation_count} versions: the advertiser is testing variations.")
    if len(body) > FEED_VISIBLE_CHARACTERS:
        notes.append(
            f"Body is {len(body)} characters: the feed shows about "
            f"{FEED_VISIBLE_CHARACTERS} before 'See more', so the hook carries the ad."
        )
    if not body:
        notes.append("No body text: the visual and headline do all the work.")
    if not offer:
        notes.append("No explicit offer (discount, price or free) in the text.")
    if any(claim.kind == "social_proof" for claim in claims):
        notes.append("Leans on social proof.")
    if creative.has_templates or templates(body):
        notes.append("Dynamic creative: texts hold {{templates}} filled per product.")
    if body and len(sentences(body)) == 1 and len(body) <= 60:
        notes.append("One short line of copy.")
    return notes
