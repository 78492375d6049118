"""Typed settings read from ``MANGO_*`` environment variables.

A settings class is a frozen :class:`msgspec.Struct` whose fields have defaults (or none,
for required variables)::

    class ApiSettings(msgspec.Struct, frozen=True, kw_only=True):
        database_url: str
        \"\"\"PostgreSQL DSN.\"\"\"
        port: Annotated[int, Meta(ge=1, le=65535, description="HTTP port.")] = 8080

    settings = load_settings(ApiSettings)  # reads MANGO_DATABASE_URL and MANGO_PORT

Each field ``name`` is read from ``PREFIX + NAME.upper()``, or from the file named by
``PREFIX + NAME.upper() + "_FILE"`` (Docker secrets). Values are converted to the field's
type: ``str``, ``int``, ``float``, ``bool`` (true/false/1/0/yes/no/on/off), ``Literal``,
``Enum`` (by value), ``list`` (comma-separated) and ``X | None`` (an empty value means
``None``); ``Meta`` constraints (``ge``, ``le``, ``pattern``...) are checked. Every problem
is collected and reported in one :class:`~mango.errors.SettingsError`.

Values of secret fields (names containing password, secret, token, key or dsn) and the
passwords inside URLs are never shown: not in errors, not in :func:`redacted_dict`.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import os
import re
import textwrap
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as mi

from mango.errors import SettingsError

__all__ = ["env_var_names", "load_settings", "redacted_dict", "settings_reference"]

S = TypeVar("S", bound=msgspec.Struct)

REDACTED = "***"
_SECRET_NAME = re.compile(r"password|secret|token|key|dsn", re.IGNORECASE)
# The password part of "scheme://user:password@host", wherever it appears in a value.
_URL_PASSWORD = re.compile(r"(?P<head>://[^/?#@\s:]*:)[^/?#\s]*@")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def load_settings(
    cls: type[S], environ: Mapping[str, str] | None = None, prefix: str = "MANGO_"
) -> S:
    """Build ``cls`` from environment variables, validating every field.

    Args:
        cls: A ``msgspec.Struct`` settings class.
        environ: The variables to read; defaults to ``os.environ``.
        prefix: Prepended to each upper-cased field name.

    Returns:
        The settings instance.

    Raises:
        SettingsError: One or more variables are missing or invalid; the error lists
            every problem, naming each variable and what it expects.
    """
    env = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls, include_extras=True)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for field in _fields(cls):
        var = prefix + field.name.upper()
        try:
            raw = _read_raw(env, var)
        except _UnreadableError as problem:
            problems.append(str(problem))
            continue
        if raw is None:
            if field.required:
                problems.append(f"{var}: missing (expected {_expected(field.type)})")
            continue
        try:
            values[field.name] = _convert(raw, hints[field.name], field.type)
        except (msgspec.ValidationError, ValueError) as exc:
            expected = _expected(field.type)
            if _is_secret_name(field.name):  # msgspec's reason may quote the value
                problems.append(f"{var}: invalid value <redacted> (expected {expected})")
                continue
            reason = _redact_url(str(exc).split(" - at ")[0])
            shown = _shown(raw)
            problems.append(f"{var}: invalid value {shown} (expected {expected}; {reason})")
    if problems:
        raise SettingsError(problems)
    return cls(**values)


def env_var_names(cls: type[msgspec.Struct], prefix: str = "MANGO_") -> list[str]:
    """Return the variable names ``cls`` reads, in field order (without ``_FILE`` forms)."""
    return [prefix + field.name.upper() for field in _fields(cls)]


def redacted_dict(settings: msgspec.Struct) -> dict[str, Any]:
    """Return the settings as a dict that is safe to log: secrets replaced by ``***``."""
    data: dict[str, Any] = msgspec.to_builtins(settings)
    return {name: _redact(name, value) for name, value in data.items()}


def settings_reference(cls: type[msgspec.Struct], prefix: str = "MANGO_") -> str:
    """Render a Markdown table documenting every variable of ``cls``.

    Columns: variable, type, default, range or choices, description. The description comes
    from ``Meta(description=...)`` or else from the string literal under the field.

    Returns:
        The table, followed by a note on the ``_FILE`` variants.
    """
    docs = _field_docstrings(cls)
    rows = [
        "| Variable | Type | Default | Range / choices | Description |",
        "|---|---|---|---|---|",
    ]
    for field in _fields(cls):
        description = _description(field.type) or docs.get(field.name, "")
        if field.required:
            default = "*required*"
        elif _is_secret_name(field.name):
            default = f"`{REDACTED}`"
        else:
            default = f"`{_default_text(field)}`"
        cells = [
            f"`{prefix}{field.name.upper()}`",
            _type_name(field.type),
            default,
            _constraints(field.type),
            " ".join(description.split()),
        ]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    rows.append("")
    rows.append(
        f"Any variable can instead be read from a file: set `<VARIABLE>_FILE` (for example "
        f"`{prefix}EXAMPLE_FILE`) to its path, e.g. a Docker secret. Setting both is an error."
    )
    return "\n".join(rows) + "\n"


# -- reading and converting --------------------------------------------------------------


def _fields(cls: type[msgspec.Struct]) -> tuple[mi.Field, ...]:
    info = mi.type_info(cls)
    if not isinstance(info, mi.StructType):
        raise TypeError(f"{cls!r} is not a msgspec.Struct settings class")
    return info.fields


class _UnreadableError(Exception):
    """Raised internally when a variable cannot even be read."""


def _read_raw(env: Mapping[str, str], var: str) -> str | None:
    file_var = var + "_FILE"
    direct, path = env.get(var), env.get(file_var)
    if direct is not None and path is not None:
        raise _UnreadableError(f"{var}: set either {var} or {file_var}, not both")
    if path is None:
        return direct
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise _UnreadableError(f"{file_var}: cannot read {path!r} ({type(exc).__name__})") from exc


def _convert(raw: str, annotation: Any, info: mi.Type) -> Any:
    info = _unwrap(info)
    if isinstance(info, mi.UnionType) and any(isinstance(t, mi.NoneType) for t in info.types):
        if raw.strip() == "":
            return None
        others = [t for t in info.types if not isinstance(t, mi.NoneType)]
        if len(others) == 1:
            info = _unwrap(others[0])
    return msgspec.convert(_prepare(raw, info), annotation, strict=False)


def _prepare(raw: str, info: mi.Type) -> Any:
    """Turn the raw string into what ``msgspec.convert(strict=False)`` understands."""
    if isinstance(info, mi.BoolType):
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueError("not a boolean")
    if isinstance(info, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        return [item.strip() for item in raw.split(",") if item.strip()]
    if isinstance(info, (mi.IntType, mi.FloatType)):
        return raw.strip()
    return raw


def _unwrap(info: mi.Type) -> mi.Type:
    while isinstance(info, mi.Metadata):
        info = info.type
    return info


# -- describing --------------------------------------------------------------------------


def _expected(info: mi.Type) -> str:
    constraints = _constraints(info)
    name = _type_name(info)
    return f"{name}, {constraints}" if constraints else name


def _type_name(info: mi.Type) -> str:
    info = _unwrap(info)
    match info:
        case mi.StrType():
            return "string"
        case mi.IntType():
            return "integer"
        case mi.FloatType():
            return "number"
        case mi.BoolType():
            return "boolean (true/false)"
        case mi.LiteralType() | mi.EnumType():
            return "choice"
        case mi.ListType() | mi.SetType() | mi.FrozenSetType() | mi.VarTupleType():
            return f"comma-separated list of {_type_name(info.item_type)}"
        case mi.UnionType():
            parts = [_type_name(t) for t in info.types if not isinstance(t, mi.NoneType)]
            optional = len(parts) < len(info.types)
            return " or ".join(parts) + (" (empty for none)" if optional else "")
        case _:
            return type(info).__name__.removesuffix("Type").lower()


def _constraints(info: mi.Type) -> str:
    info = _unwrap(info)
    parts: list[str] = []
    match info:
        case mi.IntType() | mi.FloatType():
            for attr, symbol in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
                bound = getattr(info, attr)
                if bound is not None:
                    parts.append(f"{symbol} {bound}")
            if info.multiple_of is not None:
                parts.append(f"multiple of {info.multiple_of}")
        case mi.StrType():
            if info.min_length is not None:
                parts.append(f"at least {info.min_length} characters")
            if info.max_length is not None:
                parts.append(f"at most {info.max_length} characters")
            if info.pattern is not None:
                parts.append(f"matching `{info.pattern}`")
        case mi.LiteralType():
            parts.append("one of " + ", ".join(f"`{v}`" for v in info.values))
        case mi.EnumType():
            parts.append("one of " + ", ".join(f"`{m.value}`" for m in info.cls))
        case mi.ListType() | mi.SetType() | mi.FrozenSetType() | mi.VarTupleType():
            parts.append(_constraints(info.item_type))
        case mi.UnionType():
            parts.extend(_constraints(t) for t in info.types)
    return ", ".join(part for part in parts if part)


def _description(info: mi.Type) -> str:
    while isinstance(info, mi.Metadata):
        text = (info.extra_json_schema or {}).get("description")
        if text:
            return str(text)
        info = info.type
    return ""


def _default_text(field: mi.Field) -> str:
    value = field.default if field.default_factory is msgspec.NODEFAULT else field.default_factory()
    if value is None:
        return "(none)"
    if value == "":
        return "(empty)"
    builtin = msgspec.to_builtins(value)
    if isinstance(builtin, bool):
        return str(builtin).lower()
    if isinstance(builtin, list):
        return ",".join(str(item) for item in builtin) or "(empty)"
    return str(_redact_url(builtin) if isinstance(builtin, str) else builtin)


def _field_docstrings(cls: type) -> dict[str, str]:
    """Read the string literals written under fields (attribute docstrings) from source."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        tree = ast.parse(source)
        if not tree.body or not isinstance(tree.body[0], ast.ClassDef):
            continue
        body = tree.body[0].body
        for node, after in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


# -- redaction ---------------------------------------------------------------------------


def _is_secret_name(name: str) -> bool:
    return _SECRET_NAME.search(name) is not None


def _shown(raw: str) -> str:
    text = _redact_url(raw)
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _redact(name: str, value: Any) -> Any:
    if value is None:
        return None
    if _is_secret_name(name):
        return REDACTED
    if isinstance(value, str):
        return _redact_url(value)
    if isinstance(value, list):
        return [_redact_url(item) if isinstance(item, str) else item for item in value]
    return value


def _redact_url(text: str) -> str:
    """Replace the password of every URL in ``text`` (``scheme://user:pass@host``) by ``***``."""
    return _URL_PASSWORD.sub(rf"\g<head>{REDACTED}@", text)
