"""Generators registered by kind: the built-in ones, third-party ones and your own.

A third-party package adds a kind without touching the consumer by declaring an entry
point in the ``mango.content_generators`` group whose object is a generator, or a class
(or function) that makes one with no arguments::

    [project.entry-points."mango.content_generators"]
    hooks = "my_package.hooks:HookIdeas"

Code in the same process may also call :func:`register_generator` before the service
starts.
"""

from __future__ import annotations

import re
import threading
from importlib.metadata import entry_points
from typing import Any

import msgspec

from actors.content.errors import InvalidParametersError, UnknownKindError
from actors.content.generator import ContentGenerator

__all__ = [
    "ENTRY_POINT_GROUP",
    "GeneratorRegistry",
    "default_registry",
    "get_generator",
    "known_kinds",
    "register_generator",
    "validate_parameters",
]

ENTRY_POINT_GROUP = "mango.content_generators"
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
"""What ``content_tasks.kind`` accepts (the migration checks the same)."""


class GeneratorRegistry:
    """Generators by kind. The built-in and entry-point ones are loaded on first use."""

    def __init__(self, *, load_plugins: bool = True) -> None:
        self._generators: dict[str, ContentGenerator] = {}
        self._load_plugins = load_plugins
        self._loaded = False
        self._lock = threading.Lock()

    def register(self, generator: ContentGenerator, *, replace: bool = False) -> None:
        """Serve ``generator.kind`` with ``generator``.

        Raises:
            ValueError: The kind is malformed, or taken and ``replace`` is false.
            TypeError: ``generator`` does not follow the :class:`ContentGenerator` protocol.
        """
        if not isinstance(generator, ContentGenerator):
            raise TypeError(
                f"{generator!r} is not a ContentGenerator: it needs kind, parameters_type, "
                "result_type and an async generate(task)"
            )
        if not KIND_PATTERN.match(generator.kind):
            raise ValueError(
                f"generator kind {generator.kind!r} must be 1-40 lower-case letters, digits "
                "or underscores, starting with a letter"
            )
        self._ensure_loaded()
        with self._lock:
            if generator.kind in self._generators and not replace:
                raise ValueError(
                    f"a generator for kind {generator.kind!r} is already registered; "
                    "pass replace=True to override it"
                )
            self._generators[generator.kind] = generator

    def get(self, kind: str) -> ContentGenerator:
        """Return the generator of ``kind``.

        Raises:
            UnknownKindError: No generator serves ``kind``.
        """
        self._ensure_loaded()
        generator = self._generators.get(kind)
        if generator is None:
            raise UnknownKindError(
                f"unknown content kind {kind[:60]!r}; known kinds: {', '.join(self.kinds())}",
                field="kind",
            )
        return generator

    def kinds(self) -> list[str]:
        """The registered kinds, sorted."""
        self._ensure_loaded()
        return sorted(self._generators)

    def snapshot(self) -> dict[str, ContentGenerator]:
        """A copy of the registered generators by kind."""
        self._ensure_loaded()
        with self._lock:
            return dict(self._generators)

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            # Imported here: the built-in generators import this module's errors.
            from actors.content.builtin import builtin_generators

            for generator in builtin_generators():
                self._generators[generator.kind] = generator
            if self._load_plugins:
                for plugin in _entry_point_generators():
                    self._generators[plugin.kind] = plugin


def _entry_point_generators() -> list[ContentGenerator]:
    found: list[ContentGenerator] = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded: Any = entry.load()
        generator = loaded if isinstance(loaded, ContentGenerator) else loaded()
        if not isinstance(generator, ContentGenerator) or not KIND_PATTERN.match(
            str(getattr(generator, "kind", ""))
        ):
            raise TypeError(
                f"entry point {entry.name!r} ({entry.value}) in {ENTRY_POINT_GROUP} is not "
                "a ContentGenerator with a valid kind"
            )
        found.append(generator)
    return found


default_registry = GeneratorRegistry()
"""The process-wide registry used by the service and by :func:`create_task`."""


def register_generator(generator: ContentGenerator, *, replace: bool = False) -> None:
    """Register ``generator`` in the process-wide registry.

    See :meth:`GeneratorRegistry.register` for the errors.
    """
    default_registry.register(generator, replace=replace)


def get_generator(kind: str) -> ContentGenerator:
    """Return the process-wide generator of ``kind``; raises :class:`UnknownKindError`."""
    return default_registry.get(kind)


def known_kinds() -> list[str]:
    """The kinds the process-wide registry serves, sorted."""
    return default_registry.kinds()


def validate_parameters(
    generator: ContentGenerator, parameters: object, *, field: str = "parameters"
) -> msgspec.Struct:
    """Convert a task's ``parameters`` object into the generator's parameter type.

    Raises:
        InvalidParametersError: Naming the field at fault, e.g.
            ``parameters.count: Expected `int` <= 20``.
    """
    if not isinstance(parameters, dict):
        raise InvalidParametersError(
            f"{field} must be a JSON object, not {type(parameters).__name__}", field=field
        )
    try:
        converted: msgspec.Struct = msgspec.convert(
            parameters, generator.parameters_type, strict=True
        )
    except msgspec.ValidationError as exc:
        message, _, path = str(exc).partition(" - at `$")
        where = f"{field}{path.rstrip('`')}" if path else field
        raise InvalidParametersError(
            f"{where}: {message} (kind {generator.kind!r})", field=where
        ) from None
    return converted
