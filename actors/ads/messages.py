"""What the extension sends and what travels on the ``mango-ads`` queue.

The payload shape is the contract with the browser extension (``extension/src/payload.ts``
and ``extension/test/data/payload-example.json``); a contract test decodes the extension's
example with these types. Every string and list is bounded, every URL is http(s).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from mango import Message, MessageCodec

__all__ = [
    "ADS_QUEUE",
    "Card",
    "Creative",
    "CreativeBatch",
    "CreativesCollected",
    "MediaRef",
    "Page",
    "ads_codec",
]

ADS_QUEUE = "mango-ads"

# `(?!\n)$`: a bare `$` would also accept a trailing newline (a second copy of an ad).
LibraryId = Annotated[str, Meta(pattern=r"^[0-9]{15,17}(?!\n)$", description="Ads Library ID")]
HttpUrl = Annotated[
    str, Meta(pattern=r"^https?://[^\s\x00]+(?!\n)$", max_length=4096, description="http(s) URL")
]
ShortText = Annotated[str, Meta(max_length=1000)]
LongText = Annotated[str, Meta(max_length=20000)]
Ident = Annotated[str, Meta(max_length=64, pattern=r"^[A-Za-z0-9_.:-]*(?!\n)$")]
EpochSeconds = Annotated[int, Meta(ge=0, le=4_102_444_800)]
Count = Annotated[int, Meta(ge=0, le=1_000_000_000_000)]


class Page(msgspec.Struct, frozen=True, kw_only=True):
    """An advertiser's (or, for branded content, the creator's) Facebook page."""

    id: Ident | None = None
    name: ShortText | None = None
    profile_uri: HttpUrl | None = None
    profile_picture_url: HttpUrl | None = None
    like_count: Count | None = None


class Card(msgspec.Struct, frozen=True, kw_only=True):
    """One card of a carousel, DCO or DPA ad."""

    body: LongText | None = None
    title: ShortText | None = None
    caption: ShortText | None = None
    link_url: HttpUrl | None = None
    link_description: LongText | None = None
    cta_text: ShortText | None = None
    cta_type: ShortText | None = None
    image_url: HttpUrl | None = None
    video_hd_url: HttpUrl | None = None
    video_sd_url: HttpUrl | None = None
    video_preview_url: HttpUrl | None = None


class MediaRef(msgspec.Struct, frozen=True, kw_only=True):
    """One asset to archive: an image, or a video (HD url, SD fallback, poster)."""

    kind: Literal["image", "video"]
    url: HttpUrl
    fallback_url: HttpUrl | None = None
    poster_url: HttpUrl | None = None
    card_index: Annotated[int, Meta(ge=0, le=100)] | None = None


class Creative(msgspec.Struct, frozen=True, kw_only=True):
    """One ad as the extension captured it from the Ads Library."""

    library_id: LibraryId
    source: Literal["facebook_ads_library"] = "facebook_ads_library"
    collation_id: Ident | None = None
    collation_count: Count | None = None
    is_active: bool | None = None
    page: Page = msgspec.field(default_factory=Page)
    creator_page: Page | None = None
    branded_content: bool = False
    display_format: Annotated[str, Meta(max_length=40)] | None = None
    platforms: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=10)] = (
        msgspec.field(default_factory=list)
    )
    start_date: EpochSeconds | None = None
    end_date: EpochSeconds | None = None
    total_active_time: Count | None = None
    body: LongText | None = None
    title: ShortText | None = None
    caption: ShortText | None = None
    link_url: HttpUrl | None = None
    link_description: LongText | None = None
    cta_text: ShortText | None = None
    cta_type: ShortText | None = None
    has_templates: bool = False
    cards: Annotated[list[Card], Meta(max_length=50)] = msgspec.field(default_factory=list)
    media: Annotated[list[MediaRef], Meta(max_length=60)] = msgspec.field(default_factory=list)
    page_url: HttpUrl | None = None
    captured_at: Annotated[int, Meta(ge=0, le=4_102_444_800_000)] | None = None
    board_id: Ident | None = None


class CreativeBatch(msgspec.Struct, frozen=True, kw_only=True):
    """The body of ``POST /v1/creatives``: one to fifty creatives."""

    creatives: Annotated[list[Creative], Meta(min_length=1, max_length=50)]


class CreativesCollected(Message, frozen=True, tag="creatives.collected"):
    """Creatives a user saved; several per message keep SQS calls (and the bill) low.

    The consumer handles each creative idempotently, so a redelivered message (or the
    same creative in two messages) is stored once.
    """

    user_id: str
    creatives: list[Creative]
    request_id: str | None = None
    received_at: float = 0.0


ads_codec = MessageCodec([CreativesCollected])
