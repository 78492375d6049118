"""The built-in generators: real work on ad texts, deterministic, within length limits."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from actors.content import CardData, CreativeData, GenerationError, MediaData, TaskInput
from actors.content.brief import BriefGenerator, BriefParameters, BriefResult
from actors.content.copy_variants import (
    PLATFORM_LIMITS,
    TECHNIQUES,
    CopyVariantsGenerator,
    CopyVariantsParameters,
    CopyVariantsResult,
)
from actors.content.registry import GeneratorRegistry, get_generator, known_kinds
from actors.content.script_outline import (
    ScriptOutline,
    ScriptOutlineGenerator,
    ScriptOutlineParameters,
)
from actors.content.text import find_claims, truncate
from tests.actors.content.conftest import DPA, SKINCARE, SNEAKERS


def creative(**fields: Any) -> CreativeData:
    values: dict[str, Any] = {
        "id": "00000000-0000-0000-0000-000000000001",
        "library_id": "123456789012345",
        "page_name": "Stride Footwear",
        "display_format": "VIDEO",
        "platforms": ["FACEBOOK", "INSTAGRAM"],
        "is_active": True,
        "start_date": datetime(2025, 1, 1, tzinfo=UTC),
        "days_running": 45,
        "collation_count": 3,
        "body": SNEAKERS,
        "title": "Stride Air: walk on clouds",
        "link_description": "Free returns",
        "cta_text": "Shop now",
        "media": [MediaData(kind="video", status="stored"), MediaData(kind="image")],
    }
    values.update(fields)
    return CreativeData(**values)


def task(kind: str, parameters: msgspec.Struct, *creatives: CreativeData) -> TaskInput:
    return TaskInput(
        task_id="t1", kind=kind, parameters=parameters, creatives=list(creatives or [creative()])
    )


def test_registry_serves_the_built_in_kinds() -> None:
    """The three built-in kinds are registered; a new kind needs only register()."""
    assert {"brief", "copy_variants", "script_outline"} <= set(known_kinds())
    assert isinstance(get_generator("brief"), BriefGenerator)

    class Hooks:
        kind = "hooks"
        parameters_type = BriefParameters
        result_type = BriefResult

        async def generate(self, task: TaskInput) -> msgspec.Struct:
            raise NotImplementedError

    registry = GeneratorRegistry(load_plugins=False)
    registry.register(Hooks())
    assert "hooks" in registry.kinds()
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Hooks())
    with pytest.raises(TypeError):
        registry.register(object())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            SNEAKERS,
            {
                ("discount", "Get 50% OFF"),
                ("free", "Free shipping"),
                ("price", "$49"),
                ("social_proof", "Rated 4.8/5"),
                ("social_proof", "12,000+ happy customers"),
                ("guarantee", "30-day money-back guarantee"),
                ("urgency", "today only"),
                ("social_proof", "best-selling"),
            },
        ),
        (SKINCARE, {("quantity", "72 hours"), ("quantity", "2 drops"), ("guarantee", "risk-free")}),
        (
            "Ahorra 30% de descuento — solo 19,99 € 🎉",
            {("discount", "30% de descuento"), ("price", "19,99 €")},
        ),
        ("Buy one, get one free. Ends Sunday!", {("urgency", "Ends Sunday")}),
        (
            "Only 3 left in stock. Join 1M+ users.",
            {("urgency", "Only 3 left"), ("social_proof", "1M+ users")},
        ),
    ],
)
def test_claims_and_offers_are_found(text: str, expected: set[tuple[str, str]]) -> None:
    """Percentages, prices, free, guarantees, quantities, social proof, urgency."""
    found = {(claim.kind, claim.text) for claim in find_claims(text)}
    missing = {
        (kind, phrase)
        for kind, phrase in expected
        if not any(k == kind and phrase.casefold() in t.casefold() for k, t in found)
    }
    assert not missing, found


async def test_brief_describes_the_creative() -> None:
    """Hook, offer, claims, CTA, format, length, platforms, run, versions and media."""
    result = await BriefGenerator().generate(task("brief", BriefParameters(), creative()))
    assert isinstance(result, BriefResult)
    brief = result.creatives[0]
    assert brief.hook == "🔥 Get 50% OFF our best-selling sneakers today only!"
    assert {c.kind for c in brief.offer} >= {"discount", "free", "price"}
    assert {c.kind for c in brief.claims} >= {"guarantee", "social_proof", "urgency"}
    assert brief.call_to_action == "Shop now"
    assert brief.format == "video"
    assert brief.platforms == ["facebook", "instagram"]
    assert (brief.days_running, brief.versions) == (45, 3)
    assert brief.truncated_in_feed
    assert brief.body_characters == len(SNEAKERS)
    assert brief.media.description == "1 video and 1 image (1 of 2 archived)"
    assert any("45 days" in note for note in brief.notes)


async def test_brief_of_empty_and_template_creatives() -> None:
    """An empty body falls back to the headline; {{templates}} are kept and flagged."""
    empty = creative(body=None, title=None, link_description=None, cta_text=None, media=[])
    dpa = creative(
        body=None,
        display_format=None,
        has_templates=True,
        cards=[CardData(body=DPA, title="{{product.name}}"), CardData(title="Second")],
    )
    result = await BriefGenerator().generate(task("brief", BriefParameters(), empty, dpa))
    first, second = result.creatives
    assert first.hook is None
    assert first.offer == []
    assert first.body_words == 0
    assert first.media.description == "no media"
    assert second.templates == ["{{product.name}}", "{{product.price}}"]
    assert second.format == "carousel"
    assert second.hook is not None
    assert any("Dynamic creative" in note for note in second.notes)


@pytest.mark.parametrize("kind", ["brief", "copy_variants", "script_outline"])
async def test_generators_are_deterministic(kind: str) -> None:
    """The same input gives byte-identical output."""
    generator = get_generator(kind)
    params = msgspec.convert({}, generator.parameters_type)
    inputs = [creative(), creative(id="2", library_id="223456789012345", body=SKINCARE)]
    first = await generator.generate(task(kind, params, *inputs))
    second = await generator.generate(task(kind, params, *inputs))
    assert msgspec.json.encode(first) == msgspec.json.encode(second)


@pytest.mark.parametrize("tone", ["neutral", "friendly", "playful", "urgent", "premium"])
async def test_copy_variants_fit_the_platform_limits(tone: str) -> None:
    """Every variant fits the visible lengths and is labelled with its technique."""
    params = CopyVariantsParameters(count=20, tone=tone)  # type: ignore[arg-type]
    huge = creative(id="3", library_id="323456789012345", body="Amazing! " * 2500)
    dpa = creative(id="4", library_id="423456789012345", body=DPA, title="{{product.name}}")
    result = await CopyVariantsGenerator().generate(
        task("copy_variants", params, creative(), huge, dpa)
    )
    assert isinstance(result, CopyVariantsResult)
    assert len(result.variants) == 20
    limits = PLATFORM_LIMITS["facebook"]
    for variant in result.variants:
        assert variant.technique in TECHNIQUES
        assert 0 < len(variant.primary_text) <= limits.primary_text
        assert 0 < len(variant.headline) <= limits.headline
        assert len(variant.description) <= limits.description
        assert variant.hook in variant.primary_text
        assert variant.primary_text.count("{{") == variant.primary_text.count("}}")
    assert {v.technique for v in result.variants} == set(TECHNIQUES)
    assert any(v.uses_templates for v in result.variants)
    hooks = [v.hook for v in result.variants]
    assert len(set(hooks)) >= 15


async def test_copy_variants_use_the_creatives_own_claims() -> None:
    """Number-led and social-proof variants quote what the ad says."""
    result = await CopyVariantsGenerator().generate(
        task("copy_variants", CopyVariantsParameters(count=7), creative())
    )
    by_technique = {v.technique: v for v in result.variants}
    assert "50%" in by_technique["number_led"].hook
    assert "12,000+ happy customers" in by_technique["social_proof"].hook
    assert "today only" in by_technique["urgency"].hook.casefold()


async def test_copy_variants_without_any_text_fail_with_a_reason() -> None:
    """A creative with no text at all cannot be rewritten: a readable GenerationError."""
    bare = creative(body=None, title=None, link_description=None, page_name=None)
    with pytest.raises(GenerationError, match="no text to rewrite"):
        await CopyVariantsGenerator().generate(
            task("copy_variants", CopyVariantsParameters(), bare)
        )


@pytest.mark.parametrize("duration", [6, 15, 30, 60, 180])
async def test_script_outline_beats_cover_the_duration(duration: int) -> None:
    """Beats run from a hook in the first 3 s to a call to action that ends the video."""
    params = ScriptOutlineParameters(duration_seconds=duration)
    carousel = creative(cards=[CardData(title="Cloud sole", body="Feels like nothing.")])
    result = await ScriptOutlineGenerator().generate(
        task("script_outline", params, carousel, creative(body=SKINCARE))
    )
    assert isinstance(result, ScriptOutline)
    beats = result.beats
    assert beats[0].name == "hook"
    assert beats[0].start_seconds == 0
    assert beats[0].end_seconds <= 3
    assert beats[-1].name == "call_to_action"
    assert beats[-1].end_seconds == duration
    assert beats[-1].voiceover == "Shop now"
    for before, after in itertools.pairwise(beats):
        assert before.end_seconds == after.start_seconds
        assert before.start_seconds < before.end_seconds
    for beat in beats:
        seconds = beat.end_seconds - beat.start_seconds
        assert len(beat.voiceover.split()) <= max(2, int(seconds * 2.5))
        assert len(beat.on_screen_text) <= 40
    if duration >= 30:
        assert {"proof", "offer"} <= {beat.name for beat in beats}


async def test_huge_texts_stay_fast() -> None:
    """A 20,000-character body with 20 creatives is analysed in well under a second."""
    body = ("Save 20% today! Free shipping over $50. " * 600)[:20_000]
    many = [creative(id=str(i), library_id=f"1234567890{i:05d}", body=body) for i in range(20)]
    started = time.perf_counter()
    for kind in ("brief", "copy_variants", "script_outline"):
        generator = get_generator(kind)
        await generator.generate(task(kind, msgspec.convert({}, generator.parameters_type), *many))
    assert time.perf_counter() - started < 5


def test_truncate_keeps_templates_whole() -> None:
    """Truncation cuts at a word and never inside a {{template}}."""
    text = "Hello there {{ product.name }} is great"
    for limit in range(1, len(text) + 2):
        cut = truncate(text, limit)
        assert len(cut) <= limit
        assert cut.count("{{") == cut.count("}}")
