#!/bin/sh
# The image's entrypoint (run by tini, which forwards signals and reaps zombies).
#
#   docker run IMAGE                            # runs `mango run "$MANGO_SERVICE"`
#   docker run IMAGE mango migrate              # any other command runs as given
#
# `exec` replaces this shell, so the service is tini's direct child and gets SIGTERM
# itself: the first one drains (MANGO_SHUTDOWN_DELAY_SECONDS, then up to
# MANGO_SHUTDOWN_GRACE_SECONDS for in-flight work), a second one exits at once.
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

if [ -z "${MANGO_SERVICE:-}" ]; then
    echo "mango-entrypoint: set MANGO_SERVICE to the service to run" \
        "(one of: $(mango services 2>/dev/null | cut -d' ' -f1 | tr '\n' ' '))," \
        "or pass a command, e.g. 'mango migrate'" >&2
    exit 2
fi

exec mango run "$MANGO_SERVICE"
