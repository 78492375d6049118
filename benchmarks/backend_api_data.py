"""Seed data of suite ``backend_api``: creatives with realistic, varied texts, and saves.

Deterministic (a seeded :class:`random.Random`). Words follow a Zipf law over a vocabulary
of a few hundred advertising words and a long tail of made-up brand and product words, so
that full-text queries range from very common to rare; advertisers (pages) follow a Zipf
law too. Rows go in with ``COPY``; the non-constraint indexes of the tables loaded are
dropped first and rebuilt from their own definitions afterwards (faster than maintaining
them row by row), foreign-key triggers are skipped (the rows are consistent by
construction), and the tables are vacuumed and analysed, as autovacuum would leave them.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["Seeded", "seed"]

NOW = datetime(2026, 11, 1, tzinfo=UTC)
USERS = 10
OTHER_SHARE = 0.3
"""Saves of each other user, as a share of the measured user's."""
OVERLAP = 0.2
"""Share of another user's saves that are creatives the measured user also saved."""

_CORE_TEXT = """
free shipping new sale today shop now get your off best order online save limited
offer only time discount our you love home style quality price deal gift day
women men kids fresh natural organic easy fast delivery premium collection
summer winter spring autumn holiday black friday weekend exclusive members join
learn more discover try first month app download install play game level win
beauty skin care hair serum cream mask glow routine clean vegan cruelty
fitness workout yoga running shoes gym training body strength protein coach
coffee tea espresso grinder beans roast kitchen cook recipe meal dinner lunch
pizza burger chicken salad snack healthy diet plan weight loss keto
travel flight hotel beach trip vacation booking adventure explore city
fashion dress jeans shirt jacket boots sneakers bag watch jewelry ring
tech phone laptop wireless headphones speaker camera smart charger battery
home decor furniture sofa bed mattress sleep pillow lamp garden plants
pet dog cat food toys treats vet insurance car auto loan credit card bank
course online class certificate career skills business marketing grow
software crm cloud team productivity tool dashboard analytics automation
baby toddler parents family school students teacher books reading
wine beer cocktail party event tickets concert festival music live stream
"""
CORE_WORDS = _CORE_TEXT.split()

_SYLLABLE_TEXT = "ka lo mi ra ve ta no su ri en ar ol is um ex vo zen lu pa ne mor dal vin tor"
SYLLABLES = [*_SYLLABLE_TEXT.split(), "bex", "quin", "sol", "fy", "rin", "gal"]
CTAS = [
    ("Shop now", "SHOP_NOW"),
    ("Learn more", "LEARN_MORE"),
    ("Sign up", "SIGN_UP"),
    ("Download", "DOWNLOAD"),
    ("Get offer", "GET_OFFER"),
    ("Book now", "BOOK_NOW"),
    ("Order now", "ORDER_NOW"),
    ("Install now", "INSTALL_MOBILE_APP"),
]
FORMATS = ["IMAGE"] * 5 + ["VIDEO"] * 3 + ["CAROUSEL", "DCO"]
PLATFORM_SETS = [
    ["facebook", "instagram"],
    ["facebook", "instagram", "messenger"],
    ["facebook"],
    ["instagram"],
    ["facebook", "instagram", "audience_network", "messenger"],
    ["facebook", "instagram", "threads"],
]
PAGE_SUFFIXES = ["", " Co", " Shop", " Store", " Official", " Labs", " Studio", " Club"]


def _made_up(rng: random.Random, count: int) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    return sorted(words)


def _zipf_cumulative(count: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


@dataclass
class Vocabulary:
    """The words, the pages, and how often each is drawn."""

    words: list[str] = field(default_factory=list)
    word_weights: list[float] = field(default_factory=list)
    pages: list[tuple[str, str]] = field(default_factory=list)
    page_weights: list[float] = field(default_factory=list)

    @classmethod
    def build(cls, rng: random.Random, pages: int) -> Vocabulary:
        made_up = _made_up(rng, 20_000)
        rng.shuffle(made_up)
        core = list(CORE_WORDS)
        rng.shuffle(core)
        # Core words take the frequent ranks (in a shuffled order), made-up words the tail.
        words = core + made_up
        brands = _made_up(rng, pages)
        rng.shuffle(brands)
        page_rows = [
            (str(100_000_000 + n), brand.capitalize() + PAGE_SUFFIXES[n % len(PAGE_SUFFIXES)])
            for n, brand in enumerate(brands)
        ]
        return cls(
            words=words,
            word_weights=_zipf_cumulative(len(words), 1.0),
            pages=page_rows,
            page_weights=_zipf_cumulative(len(page_rows), 0.9),
        )

    def text(self, rng: random.Random, low: int, high: int) -> str:
        """Between ``low`` and ``high`` words."""
        count = rng.randint(low, high)
        return " ".join(rng.choices(self.words, cum_weights=self.word_weights, k=count))

    def page(self, rng: random.Random) -> tuple[str, str]:
        """A page id and name."""
        return rng.choices(self.pages, cum_weights=self.page_weights)[0]


CREATIVE_COLUMNS = (
    "id",
    "source",
    "library_id",
    "collation_id",
    "collation_count",
    "is_active",
    "page_id",
    "page_name",
    "page_profile_picture_url",
    "display_format",
    "platforms",
    "start_date",
    "end_date",
    "body",
    "title",
    "caption",
    "link_url",
    "link_description",
    "cta_text",
    "cta_type",
    "page_url",
    "first_seen_at",
    "last_seen_at",
)


def _creative(vocab: Vocabulary, rng: random.Random, number: int) -> tuple[Any, ...]:
    page_id, page_name = vocab.page(rng)
    start = NOW - timedelta(days=rng.uniform(1, 720))
    active = rng.random() < 0.4
    # Most ads run a few days to weeks; a tail runs for months (log-uniform: 1 day - 1 year).
    end = None if active else min(start + timedelta(days=10 ** rng.uniform(0, 2.6)), NOW)
    last_seen = NOW - timedelta(hours=rng.uniform(0, 48)) if active else (end or NOW)
    cta_text, cta_type = rng.choice(CTAS)
    domain = page_name.split()[0].lower()
    versions = int(10 ** rng.uniform(0, 2)) if rng.random() < 0.5 else None
    return (
        uuid.UUID(int=rng.getrandbits(128), version=4),
        "facebook_ads_library",
        str(1_000_000_000_000_000 + number),
        str(rng.getrandbits(48)) if versions else None,
        versions,
        active,
        page_id,
        page_name,
        f"https://cdn.example.com/pages/{page_id}.jpg",
        rng.choice(FORMATS),
        rng.choice(PLATFORM_SETS),
        start,
        end,
        vocab.text(rng, 12, 60),
        vocab.text(rng, 3, 8),
        f"{domain}.com",
        f"https://{domain}.com/p/{number}",
        vocab.text(rng, 4, 14),
        cta_text,
        cta_type,
        f"https://www.facebook.com/{page_id}",
        start,
        last_seen,
    )


@dataclass
class Seeded:
    """What :func:`seed` wrote."""

    user_id: str
    users: int
    creatives: int
    saves: int
    user_saves: int
    seconds: float
    vocabulary: Vocabulary


async def _drop_indexes(connection: Any, tables: Sequence[str]) -> list[str]:
    rows = await connection.fetch(
        """
        SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index AS i
        WHERE i.indrelid = ANY($1::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
        """,
        list(tables),
    )
    for row in rows:
        await connection.execute(f"DROP INDEX {row['name']}")
    return [row["definition"] for row in rows]


CHUNK = 10_000
WRITERS = 2


def _creative_chunk(vocab: Vocabulary, seed_value: int, index: int, count: int) -> list[Any]:
    rng = random.Random(seed_value * 1_000_003 + index)
    return [_creative(vocab, rng, index * CHUNK + n) for n in range(count)]


async def _write_creatives(dsn: str, vocab: Vocabulary, seed_value: int, total: int) -> list[Any]:
    """COPY ``total`` creatives over ``WRITERS`` connections; return their ids in order.

    Each chunk has its own random generator, so the rows do not depend on which writer
    made them; the next chunk is generated in a thread while the previous one is copied.
    """
    import asyncpg

    sizes = [min(CHUNK, total - start) for start in range(0, total, CHUNK)]
    ids: list[list[Any]] = [[] for _ in sizes]
    pending = iter(range(len(sizes)))

    async def writer() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute("SET session_replication_role = replica")
            for index in pending:
                chunk = await asyncio.to_thread(
                    _creative_chunk, vocab, seed_value, index, sizes[index]
                )
                ids[index] = [row[0] for row in chunk]
                await connection.copy_records_to_table(
                    "creatives", records=chunk, columns=CREATIVE_COLUMNS
                )
        finally:
            await connection.close()

    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    return [creative_id for chunk_ids in ids for creative_id in chunk_ids]


async def seed(dsn: str, per_user: int, *, seed_value: int = 20261101) -> Seeded:
    """Write ``USERS`` users; the first, the measured one, saves ``per_user`` creatives.

    The measured user's creatives are their own. Each other user saves ``OTHER_SHARE``
    as many: ``OVERLAP`` of them among the measured user's creatives, the rest among
    creatives of their own. The measured user also has tags on 10% of their saves, a note
    on 2%, 5 boards holding 5%, and one or two stored media files per creative.
    """
    import asyncpg

    from actors.accounts import create_user

    started = time.perf_counter()
    rng = random.Random(seed_value)
    vocab = Vocabulary.build(rng, pages=max(50, per_user // 20))
    others = int(per_user * OTHER_SHARE)
    shared = int(others * OVERLAP)
    connection = await asyncpg.connect(dsn)
    try:
        user_ids = [
            uuid.UUID(await create_user(connection, f"bench-{n}@example.com")) for n in range(USERS)
        ]
        tables = ["creatives", "creative_saves", "creative_media", "creative_tags", "board_items"]
        definitions = await _drop_indexes(connection, tables)
        await connection.execute("SET session_replication_role = replica")  # no FK triggers

        all_ids = await _write_creatives(
            dsn, vocab, seed_value, per_user + (USERS - 1) * (others - shared)
        )
        own_ids = all_ids[:per_user]
        rest = iter(all_ids[per_user:])
        saves = 0
        for index, user_id in enumerate(user_ids):
            if index == 0:
                ids = own_ids
            else:
                ids = rng.sample(own_ids, shared) + list(itertools.islice(rest, others - shared))
            save_rows = [
                (user_id, creative_id, NOW - timedelta(seconds=rng.uniform(0, 365 * 86400)))
                for creative_id in ids
            ]
            # The save's search document is what the insert trigger (replica mode skips
            # it here) would write: see actors/migrations/040_save_search.sql.
            await connection.execute(
                """
                INSERT INTO creative_saves (user_id, creative_id, saved_at, search)
                SELECT $1, v.creative_id, v.saved_at,
                       save_search_document($1, c.search, c.page_id, c.page_name)
                FROM unnest($2::uuid[], $3::timestamptz[]) AS v (creative_id, saved_at)
                JOIN creatives AS c ON c.id = v.creative_id
                """,
                user_id,
                [row[1] for row in save_rows],
                [row[2] for row in save_rows],
            )
            saves += len(save_rows)

        user = user_ids[0]
        media = [
            (creative_id, kind, position, f"https://cdn.example.com/m/{n}-{position}", "stored",
             f"media/{n}-{position}", "image/jpeg" if kind == "image" else "video/mp4", 120_000)
            for n, creative_id in enumerate(own_ids)
            for kind in [rng.choice(("image", "image", "video"))]
            for position in range(rng.randint(1, 2))
        ]  # fmt: skip
        await connection.copy_records_to_table(
            "creative_media",
            records=media,
            columns=(
                "creative_id",
                "kind",
                "position",
                "source_url",
                "status",
                "object_key",
                "content_type",
                "size_bytes",
            ),
        )
        tag_words = ["winner", "ugc", "hook", "competitor", "q4", "swipe", "video-idea", "promo"]
        tags = {
            (user, creative_id, tag)
            for creative_id in rng.sample(own_ids, len(own_ids) // 10)
            for tag in rng.sample(tag_words, rng.randint(1, 3))
        }
        await connection.copy_records_to_table(
            "creative_tags", records=sorted(tags), columns=("user_id", "creative_id", "tag")
        )
        notes = [
            (user, creative_id, vocab.text(rng, 5, 30))
            for creative_id in own_ids[: len(own_ids) // 50]
        ]
        await connection.copy_records_to_table(
            "creative_notes", records=notes, columns=("user_id", "creative_id", "body")
        )
        boards = [
            await connection.fetchval(
                "INSERT INTO boards (user_id, name) VALUES ($1, $2) RETURNING id", user, name
            )
            for name in ("Inspiration", "Competitors", "Q4 launch", "Video hooks", "Archive")
        ]
        items = [
            (rng.choice(boards), user, creative_id)
            for creative_id in rng.sample(own_ids, len(own_ids) // 20)
        ]
        await connection.copy_records_to_table(
            "board_items", records=items, columns=("board_id", "user_id", "creative_id")
        )

        await connection.execute("RESET session_replication_role")
        await connection.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            await connection.execute(definition)
        # creatives is only analysed: vacuuming it would rewrite every page for hint bits.
        await connection.execute("ANALYZE creatives")
        await connection.execute(
            "VACUUM (ANALYZE) creative_saves, creative_media, creative_tags, creative_notes,"
            " board_items, boards, users"
        )
        creatives = await connection.fetchval("SELECT count(*) FROM creatives")
    finally:
        await connection.close()
    return Seeded(
        user_id=str(user_ids[0]),
        users=USERS,
        creatives=creatives,
        saves=saves,
        user_saves=len(own_ids),
        seconds=time.perf_counter() - started,
        vocabulary=vocab,
    )
