"""docker/Dockerfile, its entrypoint and the proxy configuration, checked without Docker.

This machine has no Docker engine, so the image is never built here. What can be checked
is: the Dockerfile's structure (parsed), the scripts it installs (run for real with the
shell and Python they will meet in the image), the build context (.dockerignore), and the
nginx configuration (`nginx -t` when nginx is installed).
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.deployfiles import DOCKER, DOCKERFILE, ROOT, dockerfile_stages

COMPILERS = ("build-essential", "gcc", "g++", "clang", "make", "cc ", "python3-dev", "-dev ")


def runtime_stage():  # type: ignore[no-untyped-def]
    return dockerfile_stages()[1][-1]


def test_final_stage_is_the_slim_python_runtime() -> None:
    """The default target (the last stage) is python:3.11-slim, named runtime."""
    stage = runtime_stage()
    assert stage.name == "runtime"
    assert stage.base.startswith("python:3.11-slim")


def test_final_stage_installs_no_compiler() -> None:
    """Compilers are in the builder stage only; the final stage installs prebuilt wheels."""
    _, stages = dockerfile_stages()
    builder = next(s for s in stages if s.name == "builder")
    assert any("build-essential" in text for text in builder.arguments("RUN"))
    for text in runtime_stage().arguments("RUN"):
        installed = text.split("apt-get install", 1)[1] if "apt-get install" in text else ""
        for compiler in COMPILERS:
            assert compiler not in installed + " ", f"{compiler!r} in the final stage: {text}"
        if "pip install" in text:
            assert "--no-index" in text, "the final stage installs only the builder's wheels"


def test_final_stage_runs_as_a_non_root_user() -> None:
    """USER is set, is not root, and nothing runs as root after it."""
    instructions = runtime_stage().instructions
    users = [i for i, (key, _) in enumerate(instructions) if key == "USER"]
    assert users, "no USER: the container would run as root"
    user = instructions[users[-1]][1].split(":")[0]
    assert user not in ("root", "0")
    assert all(key != "RUN" for key, _ in instructions[users[-1] :])


def test_final_stage_has_init_entrypoint_and_healthcheck() -> None:
    """tini is PID 1 and execs the entrypoint; HEALTHCHECK runs the health script."""
    stage = runtime_stage()
    assert any("install" in t and "tini" in t for t in stage.arguments("RUN"))
    (entrypoint,) = stage.arguments("ENTRYPOINT")
    assert entrypoint == '["tini", "--", "mango-entrypoint"]'
    (check,) = stage.arguments("HEALTHCHECK")
    assert check.endswith('CMD ["mango-healthcheck"]')
    copies = " ".join(stage.arguments("COPY"))
    assert "docker/entrypoint.sh /usr/local/bin/mango-entrypoint" in copies
    assert "docker/healthcheck.py /usr/local/bin/mango-healthcheck" in copies
    assert any("import uvloop" in t for t in stage.arguments("RUN")), "uvloop is installed"


def copied_sources() -> list[str]:
    """Every build-context path the Dockerfile copies (not those copied between stages)."""
    sources = []
    for stage in dockerfile_stages()[1]:
        for text in stage.arguments("COPY"):
            words = [w for w in text.split() if not w.startswith("--")]
            if "--from=" in text:
                continue
            sources += words[:-1]
    return sources


def dockerignore_allows(path: str) -> bool:
    """Apply .dockerignore's rules in order, the last match winning (Docker's semantics)."""
    allowed = True
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        negate = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        matched = any(fnmatch.fnmatch(p, pattern) for p in prefixes)
        if pattern.startswith("**/"):
            matched = matched or any(fnmatch.fnmatch(p, pattern[3:]) for p in parts)
        if matched:
            allowed = negate
    return allowed


def test_every_copied_path_exists_and_is_in_the_build_context() -> None:
    """COPY sources exist (except the web* wildcard) and .dockerignore lets them in."""
    for source in copied_sources():
        if "*" in source:
            continue
        assert (ROOT / source).exists(), f"COPY {source}: no such path"
        assert dockerignore_allows(source), f"COPY {source}: excluded by .dockerignore"
    for excluded in ("tests/conftest.py", ".venv/bin/python", "extension/package.json",
                     "web/landing/node_modules/x", "mango/__pycache__/x.pyc"):  # fmt: skip
        assert not dockerignore_allows(excluded), excluded
    assert dockerignore_allows("web/landing/package.json")


# -- scripts, run for real ----------------------------------------------------------------------


@pytest.fixture
def fake_mango(tmp_path: Path) -> dict[str, str]:
    """A PATH whose `mango` prints its arguments instead of running anything."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "mango"
    fake.write_text('#!/bin/sh\nif [ "$1" = services ]; then echo "ads-api  x"; exit 0; fi\n'
                    'echo "mango $*"\n')  # fmt: skip
    fake.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "MANGO_SERVICE"}
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    return env


def entrypoint(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(DOCKER / "entrypoint.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_entrypoint_runs_the_service_named_by_mango_service(fake_mango: dict[str, str]) -> None:
    """MANGO_SERVICE=ads-consumer execs `mango run ads-consumer`."""
    result = entrypoint({**fake_mango, "MANGO_SERVICE": "ads-consumer"})
    assert (result.returncode, result.stdout) == (0, "mango run ads-consumer\n")


def test_entrypoint_runs_a_given_command_instead(fake_mango: dict[str, str]) -> None:
    """Arguments replace the service: `docker run IMAGE mango migrate`."""
    result = entrypoint({**fake_mango, "MANGO_SERVICE": "ads-api"}, "mango", "migrate")
    assert (result.returncode, result.stdout) == (0, "mango migrate\n")


def test_entrypoint_without_a_service_says_what_to_set(fake_mango: dict[str, str]) -> None:
    """No MANGO_SERVICE and no command: exit 2, naming the variable and the services."""
    result = entrypoint(fake_mango)
    assert result.returncode == 2
    assert "set MANGO_SERVICE" in result.stderr
    assert "ads-api" in result.stderr


def test_web_build_without_front_ends_writes_a_placeholder(tmp_path: Path) -> None:
    """With no web/app or web/landing in the context, the web stage still succeeds."""
    out = tmp_path / "www"
    result = subprocess.run(
        ["sh", str(DOCKER / "web-build.sh"), str(tmp_path / "none"), str(out)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert 'href="/app/"' in (out / "index.html").read_text()


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_shell_scripts_pass_shellcheck() -> None:
    """The entrypoint and the web build script are clean POSIX sh."""
    scripts = [str(DOCKER / "entrypoint.sh"), str(DOCKER / "web-build.sh")]
    result = subprocess.run(
        ["shellcheck", "--shell=sh", *scripts], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_proxy_configuration_passes_nginx_t(tmp_path: Path) -> None:
    """nginx itself accepts docker/proxy/nginx.conf, included as the image includes it."""
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {DOCKER / 'proxy' / 'nginx.conf'}; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_proxy_routes_the_paths_of_the_alb() -> None:
    """/ads/ goes to the Ads API, /api/ to the Backend API, on their ports, prefix removed."""
    text = (DOCKER / "proxy" / "nginx.conf").read_text()
    assert "location /ads/" in text
    assert "http://ads-api:8081" in text
    assert "location /api/" in text
    assert "http://backend-api:8082" in text
    assert "rewrite ^/ads(/.*)$ $1 break;" in text
    assert "rewrite ^/api(/.*)$ $1 break;" in text
    assert str(DOCKERFILE.relative_to(ROOT)) == "docker/Dockerfile"
