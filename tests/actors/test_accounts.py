"""Users and API tokens: creation, hashed storage, authentication, revocation, the CLI."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import actors.accounts
from actors.accounts import (
    ApiPrincipal,
    authenticate_token,
    create_api_token,
    create_user,
    revoke_api_token,
)
from actors.db.dev import DEV_EMAIL, ensure_dev_user

MANGO = str(Path(sys.executable).with_name("mango"))


async def test_create_user_is_idempotent_by_email_case_insensitively(pool: Any) -> None:
    """The same address in another case is the same user; the first spelling is kept."""
    first = await create_user(pool, "Ana@Example.com")
    assert await create_user(pool, "ana@example.COM ") == first
    assert await create_user(pool, "bob@example.com") != first
    assert await pool.fetchval("SELECT email FROM users WHERE id = $1", first) == (
        "Ana@Example.com"
    )
    assert await pool.fetchval("SELECT count(*) FROM users") == 2


async def test_create_user_refuses_what_is_not_an_address(pool: Any) -> None:
    """No '@', NUL characters or an empty string: ValueError, nothing written."""
    for bad in ("", "no-at-sign", "a@b\x00c"):
        with pytest.raises(ValueError, match="not an email address"):
            await create_user(pool, bad)
    assert await pool.fetchval("SELECT count(*) FROM users") == 0


async def test_token_authenticates_its_user(pool: Any) -> None:
    """A new token is mm_ + 43 URL-safe characters (32 bytes) and identifies its user."""
    user_id = await create_user(pool, "ana@example.com")
    token_id, token = await create_api_token(pool, user_id, "laptop")
    assert token.startswith("mm_")
    assert len(base64.urlsafe_b64decode(token[3:] + "=")) == 32
    principal = await authenticate_token(pool, token)
    assert principal == ApiPrincipal(user_id=user_id, email="ana@example.com", token_id=token_id)


async def test_only_the_hash_of_a_token_is_stored(pool: Any) -> None:
    """The database holds SHA-256(token) and a short display prefix, never the token."""
    user_id = await create_user(pool, "ana@example.com")
    token_id, token = await create_api_token(pool, user_id, "laptop")
    row = await pool.fetchrow("SELECT * FROM api_tokens WHERE id = $1", token_id)
    assert bytes(row["token_hash"]) == hashlib.sha256(token.encode()).digest()
    assert token.startswith(row["prefix"])
    assert len(row["prefix"]) < 12
    dump = " ".join(str(value) for value in row.values())
    assert token not in dump
    assert token[3:] not in dump


async def test_unknown_and_malformed_tokens_are_refused(pool: Any) -> None:
    """Unknown tokens, wrong prefixes, huge strings and NUL characters authenticate nobody."""
    user_id = await create_user(pool, "ana@example.com")
    _, token = await create_api_token(pool, user_id, "laptop")
    for bad in ("", token[:-1], token + "x", token[3:], "mm_" + "A" * 10_000, token + "\x00"):
        assert await authenticate_token(pool, bad) is None


async def test_revoked_token_no_longer_authenticates(pool: Any) -> None:
    """Revocation works once, only for the token's owner, and other tokens stay valid."""
    ana = await create_user(pool, "ana@example.com")
    bob = await create_user(pool, "bob@example.com")
    token_id, token = await create_api_token(pool, ana, "laptop")
    _, other = await create_api_token(pool, ana, "phone")
    assert await revoke_api_token(pool, bob, token_id) is False
    assert await authenticate_token(pool, token) is not None
    assert await revoke_api_token(pool, ana, token_id) is True
    assert await revoke_api_token(pool, ana, token_id) is False
    assert await revoke_api_token(pool, ana, "not-a-uuid") is False
    assert await authenticate_token(pool, token) is None
    assert await authenticate_token(pool, other) is not None


async def test_token_for_unknown_user_is_refused(pool: Any) -> None:
    """Issuing a token for a user that does not exist raises LookupError."""
    with pytest.raises(LookupError):
        await create_api_token(pool, "00000000-0000-0000-0000-000000000000", "x")
    with pytest.raises(LookupError):
        await create_api_token(pool, "nonsense", "x")


async def test_fetched_hash_is_compared_in_constant_time(
    pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """authenticate_token checks the fetched hash with hmac.compare_digest."""
    calls: list[tuple[bytes, bytes]] = []
    real = actors.accounts.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(actors.accounts.hmac, "compare_digest", spy)
    user_id = await create_user(pool, "ana@example.com")
    _, token = await create_api_token(pool, user_id, "laptop")
    assert await authenticate_token(pool, token) is not None
    assert calls == [(hashlib.sha256(token.encode()).digest(),) * 2]


async def test_last_used_at_is_written_at_most_once_a_minute(pool: Any) -> None:
    """The first use stamps last_used_at; uses within a minute do not write again."""
    user_id = await create_user(pool, "ana@example.com")
    token_id, token = await create_api_token(pool, user_id, "laptop")
    query = "SELECT last_used_at FROM api_tokens WHERE id = $1"
    assert await pool.fetchval(query, token_id) is None
    await authenticate_token(pool, token)
    first = await pool.fetchval(query, token_id)
    assert first is not None
    await authenticate_token(pool, token)
    assert await pool.fetchval(query, token_id) == first
    await pool.execute(
        "UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = $1",
        token_id,
    )
    await authenticate_token(pool, token)
    assert await pool.fetchval(query, token_id) > first


async def test_dev_user_gets_a_fresh_token_each_time(pool: Any) -> None:
    """ensure_dev_user creates dev@localhost once and a new working token per call."""
    email, token = await ensure_dev_user(pool)
    again, other = await ensure_dev_user(pool)
    assert email == again == DEV_EMAIL
    assert token != other
    for each in (token, other):
        principal = await authenticate_token(pool, each)
        assert principal is not None
        assert principal.email == DEV_EMAIL
    assert await pool.fetchval("SELECT count(*) FROM users") == 1


async def test_mango_tokens_create_prints_a_working_token(database_url: str, pool: Any) -> None:
    """The CLI creates the user if needed and prints only the token on stdout."""
    env = {**os.environ, "MANGO_DATABASE_URL": database_url}
    runs = [
        subprocess.run(
            [MANGO, "tokens", "create", "--email", "Cli@Example.com", "--name", "ci"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
        for _ in range(2)
    ]
    tokens = []
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert "shown only once" in run.stderr
        tokens.append(run.stdout.strip())
    assert tokens[0] != tokens[1]
    for token in tokens:
        principal = await authenticate_token(pool, token)
        assert principal is not None
        assert principal.email == "Cli@Example.com"
    assert await pool.fetchval("SELECT count(*) FROM users") == 1


def test_mango_tokens_create_needs_a_database_url() -> None:
    """Without MANGO_DATABASE_URL the command exits 2 and names the variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANGO_DATABASE")}
    run = subprocess.run(
        [MANGO, "tokens", "create", "--email", "a@b.c"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert run.returncode == 2
    assert "MANGO_DATABASE_URL" in run.stderr
