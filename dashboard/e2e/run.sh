#!/usr/bin/env bash
# Browser smoke test of the dashboard against a real core-server: a fresh demo farm in a temp
# folder, node-sim answering commands, then e2e/smoke.mjs in headless Chromium. Both processes
# are always stopped at the end; the exit code is the smoke's.
#
#   bash dashboard/e2e/run.sh target/debug/core-server target/debug/node-sim
#
# Env: E2E_PORT (default: the first free port in 18200-18299), E2E_OUT (screenshots and logs;
# default target/e2e/ beside the dashboard), CHROMIUM (default /usr/bin/chromium).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 CORE_SERVER_BIN NODE_SIM_BIN" >&2
  exit 2
fi
server_bin=$(realpath "$1")
sim_bin=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dashboard=$(dirname "$here")
out=$(realpath -m "${E2E_OUT:-$dashboard/../target/e2e}")
chromium=${CHROMIUM:-/usr/bin/chromium}
started=$SECONDS

for bin in "$server_bin" "$sim_bin"; do
  [ -x "$bin" ] || { echo "e2e: $bin is not an executable (build it first)" >&2; exit 2; }
done
[ -d "$dashboard/node_modules/playwright-core" ] || {
  echo "e2e: playwright-core is missing: run 'npm ci' in $dashboard" >&2
  exit 2
}
if [ ! -x "$chromium" ]; then
  # Debian's package, as `make bench` installs wrk: only as root, never a downloaded browser.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "e2e: installing Debian's chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  [ -x "$chromium" ] || { echo "e2e: $chromium not found: apt-get install chromium" >&2; exit 2; }
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${E2E_PORT:-}
if [ -z "$port" ]; then
  for candidate in $(seq 18200 18299); do
    if ! listening "$candidate"; then port=$candidate; break; fi
  done
  [ -n "$port" ] || { echo "e2e: no free port in 18200-18299" >&2; exit 2; }
fi
url="http://127.0.0.1:$port"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/farm-e2e.XXXXXX")
server_pid=""
sim_pid=""
stop() {
  local pid
  for pid in $sim_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $sim_pid $server_pid; do
    wait "$pid" 2>/dev/null || true
  done
  mkdir -p "$out"
  cp "$tmp"/*.log "$out"/ 2>/dev/null || true
  rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 130' INT TERM

# The dashboard embedded in the binary: what ships is what is tested.
# No scheduled backup at start-up: the smoke takes its own, and one more would only slow it.
"$server_bin" --data-dir "$tmp/data" --listen "127.0.0.1:$port" --backup-time off serve --demo \
  >"$tmp/server.log" 2>"$tmp/server-stderr.log" &
server_pid=$!

for _ in $(seq 1 600); do
  curl -sf "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "e2e: core-server exited" >&2; cat "$tmp"/server*.log >&2; exit 1; }
  sleep 0.1
done
curl -sf "$url/healthz" >/dev/null || { echo "e2e: core-server did not become ready on $url" >&2; exit 1; }

password=$(sed -n 's/^.*Log in as: *admin \/ \([^ ]*\).*$/\1/p' "$tmp/server.log" | head -n 1)
[ -n "$password" ] || { echo "e2e: no admin password in core-server's output" >&2; cat "$tmp/server.log" >&2; exit 1; }

"$sim_bin" --server "$url" --nodes "$tmp/data/demo-nodes.json" \
  --ack-latency-ms 200 --telemetry-every-s 2 --heartbeat-every-s 2 >"$tmp/node-sim.log" 2>&1 &
sim_pid=$!

echo "e2e: core-server on $url (ready after $((SECONDS - started)) s), node-sim running; smoke test:"
status=0
(cd "$dashboard" && FARM_URL="$url" FARM_ADMIN_PASSWORD="$password" E2E_OUT="$out" CHROMIUM="$chromium" \
  node e2e/smoke.mjs) || status=$?
if [ "$status" != 0 ]; then
  echo "e2e: FAILED; logs and screenshots in $out" >&2
  tail -n 20 "$tmp/server-stderr.log" "$tmp/node-sim.log" >&2 || true
fi

# The first-run wizard, once, on a controller of its own (wizard.mjs starts it on an empty folder).
echo "e2e: setup wizard on a fresh controller:"
(cd "$dashboard" && FARM_SERVER_BIN="$server_bin" E2E_OUT="$out" CHROMIUM="$chromium" node e2e/wizard.mjs) ||
  { echo "e2e: wizard FAILED; wizard-server.log and screenshots in $out" >&2; status=1; }
echo "e2e: finished in $((SECONDS - started)) s"
exit "$status"
