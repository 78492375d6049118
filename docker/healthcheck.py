#!/usr/bin/env python3
"""The image's health check: GET a service's ``/healthz`` on its own port; exit 0 or 1.

Installed as ``/usr/local/bin/mango-healthcheck`` (the slim image has no curl). It uses the
standard library only, so it starts in a few milliseconds and works even when the
application's imports are broken.

Which port: ``--port`` if given; else ``MANGO_HEALTH_PORT`` (consumer services serve
``/healthz``, ``/readyz`` and ``/metrics`` there); else, for an HTTP gateway service
(``MANGO_SERVICE`` in :data:`GATEWAY_PORTS`), the gateway's own port variable or its
default. ``/healthz`` answers 503 when a poller or the event loop has stopped making
progress, so an orchestrator restarts a process that is up but stuck. ``/readyz`` is for
load balancers, not for this check: a replica whose database is briefly unreachable must
not be killed for it.

Exit status (Docker's convention): 0 healthy, 1 unhealthy or unreachable.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request

DEFAULT_PATH = "/healthz"
GATEWAY_PORTS = {
    "ads-api": ("MANGO_ADS_API_PORT", 8081),
    "backend-api": ("MANGO_BACKEND_API_PORT", 8082),
}
"""Service -> (its port variable, that variable's default); tests compare both with code."""


class NoPortError(Exception):
    """Raised when neither the arguments nor the environment say which port to check."""


def resolve_port(environ: dict[str, str] | os._Environ[str], explicit: int | None = None) -> int:
    """Return the port to check for a process with this environment.

    Raises:
        NoPortError: No port is given, ``MANGO_HEALTH_PORT`` is unset and the service is
            not a known gateway.
    """
    if explicit is not None:
        return explicit
    health = environ.get("MANGO_HEALTH_PORT", "").strip()
    if health:
        return int(health)
    service = environ.get("MANGO_SERVICE", "")
    if service in GATEWAY_PORTS:
        variable, default = GATEWAY_PORTS[service]
        configured = environ.get(variable, "").strip()
        return int(configured) if configured else default
    raise NoPortError(
        f"no health port for service {service!r}: set MANGO_HEALTH_PORT (consumers) or pass --port"
    )


def check(url: str, timeout: float) -> tuple[bool, str]:
    """GET ``url``; return whether it answered 2xx, and a one-line description."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http only
            return True, f"{url}: {response.status}"
    except urllib.error.HTTPError as exc:
        body = exc.read(300).decode("utf-8", "replace")
        return False, f"{url}: {exc.code} {body}"
    except (OSError, TimeoutError) as exc:
        return False, f"{url}: {type(exc).__name__}: {exc}"


def main(argv: list[str] | None = None) -> int:
    """Run the check; return the exit status."""
    parser = argparse.ArgumentParser(prog="mango-healthcheck", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=None, help="port (default: see above)")
    parser.add_argument("--path", default=DEFAULT_PATH, help=f"path (default {DEFAULT_PATH})")
    parser.add_argument("--host", default="127.0.0.1", help="host (default 127.0.0.1)")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds (default 3)")
    args = parser.parse_args(argv)
    try:
        port = resolve_port(os.environ, args.port)
    except (NoPortError, ValueError) as exc:
        print(f"mango-healthcheck: {exc}", file=sys.stderr)
        return 1
    ok, description = check(f"http://{args.host}:{port}{args.path}", args.timeout)
    print(description)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
