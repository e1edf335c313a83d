#!/usr/bin/env bash
# A/B of two devproxy builds over HTTP/2, for changes smaller than the noise between runs:
#   bash bench/h2-ab.sh DIR_A DIR_B [rounds=10] [seconds=3]
# DIR_A and DIR_B are checkouts (or copies of bin/, dist/, package.json, oclif.manifest.json and a
# node_modules link). Each runs `devproxy start --https --target` in front of one nginx; h2load
# (-c8 -m10) loads them in turn, the order reversed every other round. Prints each round's
# requests, the ratio B/A, and each proxy's CPU per request over all rounds (/proc).
set -u
A=$1; B=$2; R=${3:-10}; S=${4:-3}
for t in nginx h2load curl; do command -v $t >/dev/null || { echo "h2-ab: $t is missing (apt-get install nginx nghttp2-client curl)"; exit 1; }; done
W=$(mktemp -d); chmod 755 "$W"
sed "s#__BENCH__#$W#g; s#127.0.0.1:18080#127.0.0.1:18180#" "$(dirname "$0")/../../shared/peers/nginx-upstream.conf" > "$W/up.conf" 2>/dev/null \
  || printf 'worker_processes 1; daemon off; pid %s/up.pid; error_log %s/up.err warn; events { worker_connections 4096; }\nhttp { access_log off; keepalive_requests 1000000; server { listen 127.0.0.1:18180; location = /small { default_type text/plain; return 200 "hello from upstream\\n"; } } }\n' "$W" "$W" > "$W/up.conf"
nginx -c "$W/up.conf" -p "$W" >/dev/null 2>&1 & NGINX=$!
export DEVPROXY_DATA_DIR=$W/data
(cd "$W" && exec node "$A/bin/run.js" start --https --target http://127.0.0.1:18180 --port 18701 --no-watch > "$W/a.log" 2>&1) & PA=$!
(cd "$W" && exec node "$B/bin/run.js" start --https --target http://127.0.0.1:18180 --port 18702 --no-watch > "$W/b.log" 2>&1) & PB=$!
trap 'kill $PA $PB $NGINX 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
for i in $(seq 100); do curl -skf -o /dev/null https://127.0.0.1:18701/small && curl -skf -o /dev/null https://127.0.0.1:18702/small && break; sleep 0.2; done
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
one() { local c0 c1 n; c0=$(cpu "$2"); n=$(h2load -c8 -m10 -D "$S" "https://127.0.0.1:$1/small" 2>&1 | awk '/^requests:/{print $8}'); c1=$(cpu "$2"); echo "$n $((c1 - c0))"; }
one 18701 $PA >/dev/null; one 18702 $PB >/dev/null
for r in $(seq 1 "$R"); do
  if [ $((r % 2)) = 1 ]; then a=$(one 18701 $PA); b=$(one 18702 $PB); else b=$(one 18702 $PB); a=$(one 18701 $PA); fi
  echo "$r $a $b"
done | awk '{ na += $2; ca += $3; nb += $4; cb += $5; printf "round %d: A %d, B %d requests, B/A %.3f\n", $1, $2, $4, $4 / $2 }
  END { printf "CPU per request: A %.1f us, B %.1f us (B/A %.3f)\n", ca * 10000 / na, cb * 10000 / nb, (cb / nb) / (ca / na) }'
