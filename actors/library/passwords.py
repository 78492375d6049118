"""Password hashing with argon2id, and the password rules.

Hashing takes tens of milliseconds of CPU on purpose, so it runs in a worker thread: the
event loop keeps serving other requests meanwhile. A log-in for an unknown email still
verifies the password against a fixed dummy hash, so that both failures take the same
time and an attacker cannot tell which emails have accounts.
"""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "hash_password",
    "needs_rehash",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# argon2-cffi's defaults are RFC 9106's second recommendation (argon2id, 64 MiB, t=3).
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("not the password of anyone; only spends the same time")


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password`` (computed in a worker thread)."""
    return await asyncio.to_thread(_HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash``.

    Args:
        password_hash: The stored hash; ``None`` (no such user, or a user without a
            password) is checked against a dummy hash and always fails.
        password: What the user typed.
    """
    return await asyncio.to_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Return whether the hash was made with older parameters than the current ones."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True
