"""Accounts: sign-up, log-in, log-out, sessions as cookies or bearer, CSRF, rate limits."""

from __future__ import annotations

import asyncio
import hashlib
import time

from tests.gateways.backend_api.conftest import PASSWORD, unique_email


async def test_signup_sets_session_and_csrf_cookies(api):
    """Sign-up answers 201 with the user and sets an HttpOnly, SameSite=Lax session cookie
    and a script-readable CSRF cookie whose value is the returned csrf_token."""
    client = await api.client()
    email = "  Ana." + unique_email().upper() + "  "
    answer = await client.signup(email)
    assert answer.body["user"]["email"] == email.strip().lower()
    assert answer.body["session_token"] is None
    cookies = answer.headers.getall("Set-Cookie")
    session = next(c for c in cookies if c.startswith("mango_session="))
    csrf = next(c for c in cookies if c.startswith("mango_csrf="))
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session
    assert "Path=/" in session
    assert "HttpOnly" not in csrf
    assert client.cookie("mango_csrf") == answer.body["csrf_token"]
    me = await client.call("GET", "/v1/me")
    assert me.status == 200
    assert me.body["id"] == answer.body["user"]["id"]
    assert me.body["auth"] == "session"


async def test_secure_cookie_by_default(start_backend_api):
    """With the default settings the session cookies are marked Secure."""
    async with start_backend_api(cookie_secure="true") as backend:
        client = await backend.client()
        answer = await client.call(
            "POST", "/v1/auth/signup", {"email": unique_email(), "password": PASSWORD}
        )
        assert answer.status == 201
        assert all("Secure" in c for c in answer.headers.getall("Set-Cookie"))


async def test_signup_validates_and_refuses_duplicates(api):
    """Short or long passwords, bad emails and taken emails (any case) are refused."""
    client = await api.client()
    email = unique_email()
    for body, status, field in [
        ({"email": email, "password": "short"}, 400, "$.password"),
        ({"email": email, "password": "x" * 201}, 400, "$.password"),
        ({"email": "not-an-email", "password": PASSWORD}, 400, "$.email"),
        ({"email": "a b@c.d", "password": PASSWORD}, 400, "$.email"),
        ({"password": PASSWORD}, 400, "$.email"),
    ]:
        answer = await client.call("POST", "/v1/auth/signup", body)
        assert answer.status == status, body
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert answer.body["field"] == field
    assert (
        await client.call("POST", "/v1/auth/signup", {"email": email, "password": PASSWORD})
    ).status == 201
    again = await (await api.client()).call(
        "POST", "/v1/auth/signup", {"email": email.upper(), "password": PASSWORD}
    )
    assert again.status == 409


async def test_login_logout_and_bearer_sessions(api):
    """Log-in works with the right password (cookie or bearer transport); log-out ends
    the session for good."""
    first = await api.user()
    client = await api.client()
    answer = await client.call(
        "POST", "/v1/auth/login", {"email": first.email.upper(), "password": PASSWORD}
    )
    assert answer.status == 200
    client.csrf = answer.body["csrf_token"]
    assert (await client.call("GET", "/v1/me")).body["email"] == first.email

    bearer = await api.client()
    answer = await bearer.call(
        "POST",
        "/v1/auth/login",
        {"email": first.email, "password": PASSWORD, "transport": "bearer"},
    )
    assert answer.status == 200
    assert answer.body["session_token"].startswith("ms_")
    assert "Set-Cookie" not in answer.headers
    bearer.bearer = answer.body["session_token"]
    assert (await bearer.call("GET", "/v1/me")).status == 200
    # Bearer writes need no CSRF header.
    assert (await bearer.call("POST", "/v1/boards", {"name": "Mine"}, csrf=False)).status == 201

    assert (await client.call("POST", "/v1/auth/logout")).status == 204
    assert client.cookie("mango_session") in (None, "")
    assert (await client.call("GET", "/v1/me")).status == 401
    assert (await bearer.call("GET", "/v1/me")).status == 200  # other sessions live on
    assert (await bearer.call("POST", "/v1/auth/logout")).status == 204
    assert (await bearer.call("GET", "/v1/me")).status == 401


async def test_csrf_is_required_for_cookie_writes(api):
    """A cookie-authenticated write without X-CSRF-Token, or with a wrong one, gets 403;
    reads need none; the right token passes."""
    client = await api.user()
    assert (await client.call("GET", "/v1/boards", csrf=False)).status == 200
    missing = await client.call("POST", "/v1/boards", {"name": "A"}, csrf=False)
    assert missing.status == 403
    assert missing.body["type"] == "urn:mango:problem:csrf"
    wrong = await client.call(
        "POST", "/v1/boards", {"name": "A"}, csrf=False, headers={"X-CSRF-Token": "x" * 43}
    )
    assert wrong.status == 403
    # Another session's CSRF token does not pass either (bound to the session).
    other = await api.user()
    crossed = await client.call(
        "POST", "/v1/boards", {"name": "A"}, csrf=False, headers={"X-CSRF-Token": other.csrf}
    )
    assert crossed.status == 403
    assert (await client.call("POST", "/v1/boards", {"name": "A"})).status == 201
    assert (await client.call("POST", "/v1/auth/logout", csrf=False)).status == 403


async def test_unknown_email_and_wrong_password_look_the_same(api):
    """Both failures answer 401 with the same body and take about the same time."""
    user = await api.user()
    client = await api.client()

    async def attempt(email: str) -> tuple[float, dict]:
        started = time.perf_counter()
        answer = await client.call(
            "POST", "/v1/auth/login", {"email": email, "password": "wrong password!"}
        )
        assert answer.status == 401
        body = {k: v for k, v in answer.body.items() if k != "request_id"}
        return time.perf_counter() - started, body

    wrong_time, wrong = await attempt(user.email)
    unknown_time, unknown = await attempt(unique_email())
    assert wrong == unknown
    assert unknown_time > wrong_time / 3  # a hash was computed for the unknown email too


async def test_login_brute_force_hits_the_rate_limit(start_backend_api):
    """After 5 failures for an email, even the right password gets 429 with Retry-After;
    the IP limit stops guessing across many emails."""
    async with start_backend_api(login_max_failures_per_ip="8") as backend:
        user = await backend.user()
        client = await backend.client()
        for _ in range(5):
            answer = await client.call(
                "POST", "/v1/auth/login", {"email": user.email, "password": "guess guess guess"}
            )
            assert answer.status == 401
        blocked = await client.call(
            "POST", "/v1/auth/login", {"email": user.email, "password": PASSWORD}
        )
        assert blocked.status == 429
        assert int(blocked.headers["Retry-After"]) > 800
        statuses = await asyncio.gather(
            *(
                client.call(
                    "POST", "/v1/auth/login", {"email": unique_email(), "password": "guess guess"}
                )
                for _ in range(6)
            )
        )
        assert 429 in [s.status for s in statuses]


async def test_login_limits_hold_across_replicas(start_backend_api):
    """Two replicas share the failure count: failures split between them still block the
    email on both, a success takes only its own attempt back, and the table keeps digests,
    not addresses."""
    async with start_backend_api() as one, start_backend_api() as two:
        user = await one.user()
        clients = [await one.client(), await two.client()]
        for n in range(5):
            answer = await clients[n % 2].call(
                "POST", "/v1/auth/login", {"email": user.email, "password": "guess guess guess"}
            )
            assert answer.status == 401
        for client in clients:
            blocked = await client.call(
                "POST", "/v1/auth/login", {"email": user.email, "password": PASSWORD}
            )
            assert blocked.status == 429
        other = await two.user()  # a success on the same address does not count
        assert (
            await clients[0].call(
                "POST", "/v1/auth/login", {"email": other.email, "password": PASSWORD}
            )
        ).status == 200
        rows = await one.pool.fetch("SELECT key_hash FROM login_failures")
        assert len(rows) == 10  # 5 per email, 5 per address; the success took its pair back
        digest = hashlib.sha256(f"email:{user.email.lower()}".encode()).digest()
        assert sum(row["key_hash"] == digest for row in rows) == 5


async def test_invalid_credentials_answer_401(api):
    """No credentials, garbage cookies and garbage bearer tokens answer 401 problems."""
    client = await api.client()
    assert (await client.call("GET", "/v1/me")).status == 401
    for header in [
        "Bearer",
        "Basic abc",
        "Bearer mm_nope",
        "Bearer ms_" + "a" * 43,
        "Bearer ' OR 1=1 --",
    ]:
        answer = await client.call("GET", "/v1/me", headers={"Authorization": header})
        assert answer.status == 401, header
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    client.session.cookie_jar.update_cookies({"mango_session": "ms_" + "b" * 43})
    assert (await client.call("GET", "/v1/me")).status == 401
