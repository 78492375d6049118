"""The built-in, offline generators: ``brief``, ``copy_variants``, ``script_outline``."""

from __future__ import annotations

from actors.content.brief import BriefGenerator
from actors.content.copy_variants import CopyVariantsGenerator
from actors.content.generator import ContentGenerator
from actors.content.script_outline import ScriptOutlineGenerator

__all__ = ["builtin_generators"]


def builtin_generators() -> list[ContentGenerator]:
    """One instance of each built-in generator."""
    return [BriefGenerator(), CopyVariantsGenerator(), ScriptOutlineGenerator()]
