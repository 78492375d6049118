"""Request and response bodies of the Backend API, as msgspec types (the OpenAPI source)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

__all__ = [
    "AddToBoard",
    "Added",
    "ApiToken",
    "Board",
    "BoardName",
    "BoardRef",
    "BoardsPage",
    "ContentTaskRequest",
    "CreativeDetail",
    "CreativeListQuery",
    "CreativeSummary",
    "CreativesPage",
    "Credentials",
    "Me",
    "Media",
    "NewApiToken",
    "Note",
    "NoteBody",
    "SessionStarted",
    "TagCount",
    "Tags",
    "TagsBody",
    "TagsPage",
    "TaskListQuery",
    "TokenName",
    "TokensPage",
    "UserView",
]

Password = Annotated[str, Meta(min_length=10, max_length=200)]
Email = Annotated[str, Meta(min_length=3, max_length=320)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
BoardTitle = Annotated[str, Meta(min_length=1, max_length=100)]


class Credentials(msgspec.Struct, frozen=True, kw_only=True):
    """Sign-up or log-in: an email, a password and how to carry the session."""

    email: Email
    password: Password
    transport: Literal["cookie", "bearer"] = "cookie"


class UserView(msgspec.Struct, frozen=True, kw_only=True):
    """A user."""

    id: str
    email: str
    created_at: datetime


class SessionStarted(msgspec.Struct, frozen=True, kw_only=True):
    """A new session; ``session_token`` only with ``transport: bearer``."""

    user: UserView
    csrf_token: str
    expires_at: datetime
    session_token: str | None = None


class Me(msgspec.Struct, frozen=True, kw_only=True):
    """The signed-in user, and how the request was authenticated."""

    id: str
    email: str
    created_at: datetime
    auth: Literal["session", "api_token"]


class TokenName(msgspec.Struct, frozen=True, kw_only=True):
    """A new API token's label."""

    name: Name


class ApiToken(msgspec.Struct, frozen=True, kw_only=True):
    """An API token, without its secret."""

    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None


class NewApiToken(msgspec.Struct, frozen=True, kw_only=True):
    """A new API token with its secret, shown this once."""

    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    token: str


class TokensPage(msgspec.Struct, frozen=True, kw_only=True):
    """The user's live API tokens, newest first."""

    tokens: list[ApiToken]


class CreativeListQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Query parameters of ``GET /v1/creatives``."""

    q: Annotated[str, Meta(max_length=500)] | None = None
    page: Annotated[str, Meta(max_length=200)] | None = None
    platform: Annotated[str, Meta(max_length=50)] | None = None
    display_format: Annotated[str, Meta(max_length=50)] | None = None
    active: bool | None = None
    saved_from: Annotated[str, Meta(max_length=40)] | None = None
    saved_to: Annotated[str, Meta(max_length=40)] | None = None
    min_days_running: Annotated[int, Meta(ge=0, le=100_000)] | None = None
    board_id: uuid.UUID | None = None
    tag: Annotated[str, Meta(max_length=50)] | None = None
    sort: Literal["saved_desc", "running_longest", "most_versions", "relevance"] | None = None
    limit: Annotated[int, Meta(ge=1, le=100)] = 50
    cursor: Annotated[str, Meta(max_length=500)] | None = None


class TaskListQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Query parameters of ``GET /v1/content-tasks``."""

    limit: Annotated[int, Meta(ge=1, le=100)] = 50
    cursor: Annotated[str, Meta(max_length=500)] | None = None
    status: Literal["queued", "running", "done", "failed"] | None = None
    kind: Annotated[str, Meta(max_length=40)] | None = None


class CreativeSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A saved creative in a list."""

    id: str
    source: str
    library_id: str
    page_id: str | None
    page_name: str | None
    page_profile_picture_url: str | None
    display_format: str | None
    platforms: list[str]
    is_active: bool | None
    start_date: datetime | None
    end_date: datetime | None
    days_running: int | None
    versions: int
    title: str | None
    body: str | None
    cta_text: str | None
    link_url: str | None
    saved_at: datetime
    tags: list[str]
    note: str | None
    board_ids: list[str]
    thumbnail_url: str | None
    rank: float | None = None


class CreativesPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of saved creatives; ``next_cursor`` is null on the last page.

    ``relevance_window`` is set when a relevance-sorted search matched so many creatives
    that only that many of the most recently saved matches were ranked (null when every
    match was); sort by ``saved_desc`` to list every match.
    """

    items: list[CreativeSummary]
    next_cursor: str | None = None
    relevance_window: int | None = None


class Media(msgspec.Struct, frozen=True, kw_only=True):
    """One media file of a creative; ``url`` only once it is archived."""

    id: int
    kind: str
    card_index: int | None
    position: int
    status: str
    content_type: str | None
    size_bytes: int | None
    url: str | None


class BoardRef(msgspec.Struct, frozen=True, kw_only=True):
    """A board, by id and name."""

    id: str
    name: str


class CreativeDetail(CreativeSummary, frozen=True, kw_only=True):
    """One saved creative with its cards, media and boards."""

    caption: str | None
    link_description: str | None
    cta_type: str | None
    page_url: str | None
    page_profile_uri: str | None
    collation_id: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    cards: list[Any]
    media: list[Media]
    boards: list[BoardRef]


class NoteBody(msgspec.Struct, frozen=True, kw_only=True):
    """A note's text; empty deletes the note."""

    note: Annotated[str, Meta(max_length=10_000)]


class Note(msgspec.Struct, frozen=True, kw_only=True):
    """The note on a saved creative."""

    note: str | None
    updated_at: datetime | None


class TagsBody(msgspec.Struct, frozen=True, kw_only=True):
    """The new set of tags of a saved creative."""

    tags: Annotated[list[Annotated[str, Meta(max_length=50)]], Meta(max_length=50)]


class Tags(msgspec.Struct, frozen=True, kw_only=True):
    """A creative's tags, sorted."""

    tags: list[str]


class TagCount(msgspec.Struct, frozen=True, kw_only=True):
    """A tag and how many creatives carry it."""

    tag: str
    count: int


class TagsPage(msgspec.Struct, frozen=True, kw_only=True):
    """Every tag of the user."""

    tags: list[TagCount]


class BoardName(msgspec.Struct, frozen=True, kw_only=True):
    """A board's name."""

    name: BoardTitle


class Board(msgspec.Struct, frozen=True, kw_only=True):
    """A board."""

    id: str
    name: str
    created_at: datetime
    creative_count: int


class BoardsPage(msgspec.Struct, frozen=True, kw_only=True):
    """The user's boards, by name."""

    boards: list[Board]


class AddToBoard(msgspec.Struct, frozen=True, kw_only=True):
    """Creatives to put on a board."""

    creative_ids: Annotated[list[uuid.UUID], Meta(min_length=1, max_length=100)]


class Added(msgspec.Struct, frozen=True, kw_only=True):
    """How many of the creatives are on the board now."""

    added: int


class ContentTaskRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A request for content made from saved creatives."""

    kind: Annotated[str, Meta(min_length=1, max_length=40)]
    creative_ids: Annotated[list[uuid.UUID], Meta(min_length=1, max_length=20)]
    parameters: dict[str, Any] = msgspec.field(default_factory=dict)
