"""Reading ad texts: hooks, sentences, offers and claims, templates, length limits.

Plain regular expressions over the creative's own words: deterministic, offline, and good
enough to tell a marketer what an ad promises. Patterns are English-first but also catch
the numbers, currencies and percentages every language shares.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

import msgspec

__all__ = [
    "Claim",
    "ClaimKind",
    "clean",
    "find_call_to_action",
    "find_claims",
    "first_sentence",
    "sentences",
    "templates",
    "truncate",
    "words",
]

ClaimKind = Literal[
    "discount",
    "price",
    "free",
    "guarantee",
    "quantity",
    "superlative",
    "social_proof",
    "urgency",
    "percentage",
]
OFFER_KINDS: frozenset[str] = frozenset({"discount", "price", "free"})

# Bodies are bounded upstream (20,000 characters), but generators read cards too: only the
# first 20,000 characters of any text are analysed, so hostile input stays cheap.
MAX_ANALYSED = 20_000


class Claim(msgspec.Struct, frozen=True, kw_only=True):
    """A promise found in an ad's text, as written there."""

    kind: ClaimKind
    text: str


_CURRENCY = r"[$€£¥₹₩₽]|US\$|R\$|A\$|C\$"
_NUMBER = r"\d{1,3}(?:[,.\u202f\u00a0 ]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?"
_UNITS = (
    r"mg|g|kg|ml|l|oz|lbs?|cm|mm|km|m|inch(?:es)?|ft|hours?|hrs?|h|minutes?|mins?|"
    r"seconds?|secs?|days?|weeks?|months?|years?|yrs?|calories|kcal|servings?|pieces?|"
    r"pcs|packs?|drops?|capsules?|steps?|ingredients?|colou?rs?|sizes?|styles?|flavou?rs?|gb|tb|mah|w|x"
)

_PATTERNS: list[tuple[ClaimKind, re.Pattern[str]]] = [
    (
        "discount",
        re.compile(
            rf"(?:(?:up\s+to|save|extra|get|take)\s+)?(?:\d{{1,3}}\s?%|(?:{_CURRENCY})\s?(?:{_NUMBER}))"
            r"\s?(?:off|discount|de\s+descuento|de\s+r[ée]duction|rabatt|sconto)\b"
            r"|\b(?:buy\s+(?:one|1|\w+)\s*,?\s*get\s+(?:one|1|\w+)(?:\s+free)?|bogo|half\s+price|"
            r"\d+\s?for\s?\d+|sale)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "price",
        re.compile(
            rf"(?:{_CURRENCY})\s?(?:{_NUMBER})(?:\s?/\s?(?:mo|month|day|week|year))?"
            rf"|(?<![\w.,])(?:{_NUMBER})\s?(?:€|£|usd|eur|gbp|dollars?|euros?)(?!\w)",
            re.IGNORECASE,
        ),
    ),
    (
        "guarantee",
        re.compile(
            r"\b(?:(?:\d+|thirty|sixty|ninety)[- ]day\s+)?(?:money[- ]back\s+)?guarantee[ds]?\b"
            r"|\brisk[- ]free\b|\bno\s+questions\s+asked\b|\bfree\s+returns?\b"
            r"|\bcancel\s+any\s?time\b",
            re.IGNORECASE,
        ),
    ),
    (
        "free",
        re.compile(
            r"\b(?:free|gratis|gratuit[oae]?|kostenlos)\b(?:[ \t]+(?!and\b|or\b|to\b|for\b)"
            r"[^\W\d_]{3,}){0,2}",
            re.IGNORECASE,
        ),
    ),
    (
        "social_proof",
        re.compile(
            rf"(?:{_NUMBER})\s?[kKmM]?\+?\s+(?:happy\s+|satisfied\s+|verified\s+|5-star\s+)?"
            r"(?:customers|users|reviews|ratings|people|orders|members|subscribers|downloads|"
            r"sold|clients|families|women|men|moms|students|businesses|brands)\b"
            r"|\b(?:rated\s+)?[0-5](?:[.,]\d)?\s?(?:/\s?5|out\s+of\s+5|stars?|★)"
            r"|\b(?:as\s+seen\s+on|trusted\s+by|award[- ]winning|best[- ]?sell(?:er|ing))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "urgency",
        re.compile(
            r"\b(?:limited[- ]time|today\s+only|last\s+chance|while\s+(?:supplies|stocks?)\s+last|"
            r"ends\s+(?:soon|today|tonight|tomorrow|sunday|monday|friday|midnight)|"
            r"only\s+\d+\s+left|selling\s+fast|hurry|don'?t\s+miss(?:\s+out)?|final\s+hours?|"
            r"(?:24|48|72)[- ]hours?\s+only|limited\s+stock|flash\s+sale)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "superlative",
        re.compile(
            r"#\s?1\b|\bno\.\s?1\b|\bnumber\s+one\b|\bworld'?s\s+(?:first|best|most\s+\w+)"
            r"|\b(?:the\s+)?(?:best|fastest|easiest|cheapest|strongest|softest|lightest|"
            r"smartest|healthiest|simplest|safest|top[- ]rated|most\s+(?:popular|loved|"
            r"comfortable|powerful|advanced|trusted))\b(?:\s+[^\W\d_]{3,})?",
            re.IGNORECASE,
        ),
    ),
    (
        "quantity",
        re.compile(rf"(?<![\w$€£%])(?:{_NUMBER})\s?(?:{_UNITS})\b", re.IGNORECASE),
    ),
    ("percentage", re.compile(r"(?<![\w.])\d{1,3}(?:[.,]\d+)?\s?%", re.IGNORECASE)),
]

_CTA_PHRASES = re.compile(
    r"\b(?:shop|buy|order|get|try|start|claim|grab|book|sign\s+up|join|download|install|"
    r"learn|discover|subscribe|register|apply|save|call|visit|tap|click|swipe\s+up)"
    r"\b[^.!?\n]{0,40}?(?:now|today|here|yours|free|more|up|it|below)\b",
    re.IGNORECASE,
)
_TEMPLATE = re.compile(r"\{\{\s*[^{}\s][^{}]{0,80}?\s*\}\}")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n+")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")


def clean(text: str | None) -> str:
    """Collapse runs of spaces, trim each line, drop empty lines; ``""`` for None."""
    if not text:
        return ""
    lines = (_SPACES.sub(" ", line).strip() for line in text[:MAX_ANALYSED].splitlines())
    return "\n".join(line for line in lines if line)


def sentences(text: str | None) -> list[str]:
    """Split into sentences and lines (an ad's line break ends a thought too)."""
    return [part.strip() for part in _SENTENCE_END.split(clean(text)) if part.strip()]


def first_sentence(text: str | None) -> str | None:
    """The hook: the first sentence or line of ``text``; None when there is no text."""
    parts = sentences(text)
    return parts[0] if parts else None


def words(text: str | None) -> list[str]:
    """The whitespace-separated words of ``text``."""
    return clean(text).split()


def templates(text: str | None) -> list[str]:
    """Dynamic-creative placeholders such as ``{{product.name}}``, in order, once each."""
    found: list[str] = []
    for match in _TEMPLATE.finditer((text or "")[:MAX_ANALYSED]):
        if match.group() not in found:
            found.append(match.group())
    return found


def find_claims(text: str | None, *, limit: int = 50) -> list[Claim]:
    """Offers and claims in ``text``, in reading order, without overlaps or repeats.

    A span claimed by an earlier pattern (a discount) is not claimed again by a later one
    (the percentage inside it).
    """
    return list(_claims(clean(text))[:limit])


@functools.lru_cache(maxsize=256)
def _claims(body: str) -> tuple[Claim, ...]:
    """Every claim of a cleaned text (cached: generators read one text several times)."""
    spans: list[tuple[int, int, ClaimKind, str]] = []
    taken = bytearray(len(body))
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(body):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            spans.append((start, end, kind, match.group().strip(" ,;:")))
    claims: list[Claim] = []
    seen: set[tuple[str, str]] = set()
    for _, _, kind, found in sorted(spans):
        key = (kind, found.casefold())
        if key in seen or not found:
            continue
        seen.add(key)
        claims.append(Claim(kind=kind, text=found))
    return tuple(claims)


def find_call_to_action(text: str | None) -> str | None:
    """An imperative call to action written in the text ("Shop now", "Get yours today").

    The last one wins: ads usually close on their call to action.
    """
    matches = list(_CTA_PHRASES.finditer(clean(text)))
    return matches[-1].group().strip() if matches else None


def truncate(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """Shorten ``text`` to at most ``limit`` characters, at a word boundary when possible.

    A ``{{template}}`` is never cut in half: it is kept whole or dropped.
    """
    text = clean(text).replace("\n", " ")
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return text[:limit]
    room = limit - len(ellipsis)
    cut = text[:room]
    space = cut.rfind(" ")
    if space >= room // 2:
        cut = cut[:space]
    opened = cut.rfind("{{")
    if opened > cut.rfind("}}"):
        cut = cut[:opened]
    return cut.rstrip(" ,;:-\u2013\u2014") + ellipsis
