"""The seam for content kinds: the ``ContentGenerator`` protocol and what it is given.

A generator turns a :class:`TaskInput` (the task's validated parameters and the data of
its creatives, loaded from PostgreSQL) into a result struct. It declares the types of its
parameters and of its result, so that requests are validated when the task is created and
results (also a language model's) are validated before they are stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar, runtime_checkable

import msgspec

__all__ = ["CardData", "ContentGenerator", "CreativeData", "MediaData", "TaskInput"]

P = TypeVar("P", bound=msgspec.Struct)


class CardData(msgspec.Struct, frozen=True, kw_only=True):
    """The texts of one card of a carousel, DCO or DPA creative."""

    body: str | None = None
    title: str | None = None
    caption: str | None = None
    link_description: str | None = None
    cta_text: str | None = None


class MediaData(msgspec.Struct, frozen=True, kw_only=True):
    """One media file of a creative: its kind and whether it is archived."""

    kind: str
    """``image`` or ``video``."""
    card_index: int | None = None
    status: str = "pending"
    """``pending``, ``stored``, ``expired``, ``failed`` or ``refused``."""
    content_type: str | None = None
    size_bytes: int | None = None


class CreativeData(msgspec.Struct, frozen=True, kw_only=True):
    """What a generator knows of one saved creative."""

    id: str
    library_id: str
    page_name: str | None = None
    display_format: str | None = None
    platforms: list[str] = msgspec.field(default_factory=list)
    is_active: bool | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    days_running: int | None = None
    """Whole days between the start date and the end date (or the last sighting)."""
    collation_count: int | None = None
    """Versions of the ad (ads of one collation group); None when unknown."""
    body: str | None = None
    title: str | None = None
    caption: str | None = None
    link_url: str | None = None
    link_description: str | None = None
    cta_text: str | None = None
    cta_type: str | None = None
    has_templates: bool = False
    cards: list[CardData] = msgspec.field(default_factory=list)
    media: list[MediaData] = msgspec.field(default_factory=list)


class TaskInput(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a generator may use: nothing else, so that output is reproducible."""

    task_id: str
    kind: str
    parameters: msgspec.Struct
    """An instance of the generator's ``parameters_type``."""
    creatives: list[CreativeData]
    """In the order the task named them; never empty."""

    def params(self, expected: type[P]) -> P:
        """Return the parameters as ``expected`` (the generator's own parameter type).

        Raises:
            TypeError: The parameters are of another type (a programming error).
        """
        if not isinstance(self.parameters, expected):
            raise TypeError(
                f"task {self.task_id} parameters are {type(self.parameters).__name__}, "
                f"not {expected.__name__}"
            )
        return self.parameters


@runtime_checkable
class ContentGenerator(Protocol):
    """Makes one kind of content. Register it with :func:`register_generator`.

    A plain class attribute satisfies each read-only property below.
    """

    @property
    def kind(self) -> str:
        """The task kind served (``brief``...): lower-case letters, digits, underscores."""
        ...

    @property
    def parameters_type(self) -> type[msgspec.Struct]:
        """The struct a task's ``parameters`` decode into (forbid unknown fields)."""
        ...

    @property
    def result_type(self) -> type[msgspec.Struct]:
        """The struct ``generate`` returns, stored as the task's ``result``."""
        ...

    async def generate(self, task: TaskInput) -> msgspec.Struct:
        """Make the content of ``task``.

        Raises:
            GenerationError: The task can never succeed; it is marked failed at once.
            GenerationUnavailableError: A backend is down; the message is retried.
        """
        ...
