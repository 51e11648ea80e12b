#!/usr/bin/env bash
# Re-make the recordings the offline kit tests replay (tests/record/recordings/).
# Each one is `hnth record mcu|codec|camera` (the conformance kit, secrets redacted)
# against `hnth sim mcu|codec|camera`, our simulators of the vendors' documented APIs.
# (The recordings built from the vendors' documented transcripts are made by
# tests/record/documented.py instead.)
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

start() {  # name command...: start a simulator, wait for READY, print its address
  local name=$1; shift
  "$@" >"$work/$name.out" 2>&1 &
  echo $! >"$work/$name.pid"
  for _ in $(seq 100); do grep -q READY "$work/$name.out" && break; sleep 0.1; done
  awk '/READY/{print $3}' "$work/$name.out"
}

stop() { kill "$(cat "$work/$1.pid")"; rm "$work/$1.pid"; }

record_codec() {  # out dialect driver sim-options...
  local out=$1 dialect=$2 driver=$3; shift 3
  local addr host port
  addr=$(start "codec-$out" "$bin/hnth" sim codec --dialect "$dialect" \
         --host-key "$work/codec-host-key" --connect-delay-ms 20 "$@")
  host=${addr%:*}; port=${addr##*:}
  echo "[$host]:$port $(cut -d' ' -f1,2 "$work/codec-host-key.pub")" >"$work/known_hosts"
  "$bin/hnth" record codec --driver "$driver" --ssh "$addr" \
    --known-hosts "$work/known_hosts" --out "$here/recordings/$out.jsonl"
  stop "codec-$out"
}

record_codec xapi-ce xapi xapi --software ce9.15.0
record_codec xapi-tc xapi xapi --software tc7.3.6
record_codec polycom polycom polycom --family group

addr=$(start camera "$bin/hnth" sim camera --visca-udp 127.0.0.1:0 --travel-scale 0.05)
HNTH_AUDIT_LOG="$work/audit.jsonl" "$bin/hnth" record camera --visca-udp "$addr" \
  --trusted-segment --out "$here/recordings/visca-ip.jsonl"
stop camera

addr=$(start camera-pty "$bin/hnth" sim camera --visca-pty "$work/visca-pty" \
       --travel-scale 0.05)
"$bin/hnth" record camera --visca-serial "$work/visca-pty" \
  --out "$here/recordings/visca-serial.jsonl"
stop camera-pty
