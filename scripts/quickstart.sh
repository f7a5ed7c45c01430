#!/usr/bin/env bash
# Start the service with its embedded defaults (sandbox account, SQLite, loopback),
# drive one sandbox payment through it, then keep serving until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PORT=${PORT:-8080}
URL="http://127.0.0.1:${PORT}"

"$VENV/bin/connector-service" serve --port "$PORT" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 100); do
  if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('$URL/health', timeout=1)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then echo "the service did not start" >&2; exit 1; fi
  sleep 0.1
done

echo
"$VENV/bin/connector-service" demo --url "$URL"
echo
echo "The service keeps running on $URL (OpenAPI: $URL/openapi.json). Ctrl-C stops it."
wait "$server"
