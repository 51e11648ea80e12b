#!/usr/bin/env bash
# Re-make the recordings the offline kit tests replay (tests/record/recordings/).
# Each one is `hnth record mcu` (the MCU conformance kit, secrets redacted) against
# `hnth sim mcu`, our simulator of the vendor's documented API.
# Usage: tests/record/make_recordings.sh [PYTHON]   (PYTHON's environment has hnth)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(dirname "$(command -v "${1:-python}")")
work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
export HNTH_SIM_PASSWORD="rec-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export HNTH_PASSWORD="$HNTH_SIM_PASSWORD"

record() {  # api driver path-after-address
  local api=$1 driver=$2 path=$3
  "$bin/hnth" sim mcu --api "$api" --tls-dir "$work/tls-$api" >"$work/$api.out" 2>&1 &
  echo $! >"$work/$api.pid"
  for _ in $(seq 100); do grep -q READY "$work/$api.out" && break; sleep 0.1; done
  local addr
  addr=$(awk '/READY/{print $3}' "$work/$api.out")
  "$bin/hnth" record mcu --driver "$driver" --url "https://$addr$path" \
    --ca "$work/tls-$api/ca.pem" --out "$here/recordings/$driver.jsonl"
  kill "$(cat "$work/$api.pid")"; rm "$work/$api.pid"
}

record codian codian /RPC2
record smc smc /esdk/services
