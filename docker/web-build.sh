#!/bin/sh
# Build the static front ends into OUT (the Dockerfile's `web` stage runs it).
#
#   web-build.sh SRC OUT
#
# SRC holds whatever of web/ the build context has: web/landing (Next.js, static export to
# out/) and web/app (Vite, built to dist/). Either may be missing, for example while they
# are being written: the Dockerfile copies `web*` next to this script, a wildcard that
# matches nothing without failing. What is built lands in
#
#   OUT/         the landing page (or, without one, a page linking to /app/)
#   OUT/app/     the main application, built with base path /app/
#
# which the proxy (docker/proxy/nginx.conf) serves at / and /app/.
set -eu

src=$1
out=$2
mkdir -p "$out"

install_deps() {
    if [ -f package-lock.json ]; then
        npm ci --no-audit --no-fund --loglevel=error
    else
        npm install --no-audit --no-fund --loglevel=error
    fi
}

if [ -f "$src/app/package.json" ]; then
    echo "web-build: building web/app"
    (cd "$src/app" && install_deps && npm run build -- --base=/app/)
    mkdir -p "$out/app"
    cp -R "$src/app/dist/." "$out/app/"
else
    echo "web-build: no web/app in the build context; /app/ will answer 404"
fi

if [ -f "$src/landing/package.json" ]; then
    echo "web-build: building web/landing"
    (cd "$src/landing" && install_deps && NEXT_TELEMETRY_DISABLED=1 npm run build)
    cp -R "$src/landing/out/." "$out/"
else
    echo "web-build: no web/landing in the build context; / links to /app/"
    cat >"$out/index.html" <<'HTML'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Magic Mango</title></head>
<body><p><a href="/app/">Open Magic Mango</a></p></body></html>
HTML
fi
