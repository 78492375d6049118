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
# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 30 ms on one
# core. argon2-cffi's own default (64 MiB, 3 passes, 4 lanes) costs ~0.5 s on a small
# shared container and would let a handful of log-in attempts saturate its CPUs. Hashes
# made with other parameters still verify, and are re-hashed at the next log-in.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


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
