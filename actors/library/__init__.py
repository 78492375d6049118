"""The user's library as the Backend API reads and changes it.

Listing, search and filters (:mod:`~actors.library.listing`), one creative, its media,
tags and note (:mod:`~actors.library.creatives`), boards (:mod:`~actors.library.boards`),
passwords (:mod:`~actors.library.passwords`) and log-in sessions
(:mod:`~actors.library.sessions`). Every query takes the owner's id and touches only
their rows.
"""

from actors.library.errors import ConflictError, LibraryError, NotFoundError
from actors.library.listing import (
    SORTS,
    CreativeFilter,
    CreativePage,
    InvalidCursorError,
    Sort,
    decode_cursor,
    encode_cursor,
    list_creatives,
)

__all__ = [
    "SORTS",
    "ConflictError",
    "CreativeFilter",
    "CreativePage",
    "InvalidCursorError",
    "LibraryError",
    "NotFoundError",
    "Sort",
    "decode_cursor",
    "encode_cursor",
    "list_creatives",
]
