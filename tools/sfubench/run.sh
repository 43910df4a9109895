#!/bin/sh
# Runs the call benchmark of docs/benchmarks.md ("Calls") against Kontor and
# LiveKit, one after the other, in a network namespace of its own (only lo
# and a veth pair: no packet can leave it). As root:
#
#   unshare -n sh tools/sfubench/run.sh OUT_DIR
#
# Binaries (see docs/benchmarks.md for how each is built): $KONTOR,
# $KONTOR_LOAD, $LIVEKIT_SERVER, $LIVEKIT_DRIVER. What runs: $RUNS, a list of
# SFU:SHAPE:SIZE (SIZE 0: search), default a fixed size of each shape on
# both, twice, alternating, then a search of each shape on both.
set -eu
out=${1:?give an output directory}
mkdir -p "$out"
: "${KONTOR:?}" "${KONTOR_LOAD:?}" "${LIVEKIT_SERVER:?}" "${LIVEKIT_DRIVER:?}"
RUNS=${RUNS:-"kontor:fanout:30 livekit:fanout:30 kontor:groups:8 livekit:groups:8 livekit:fanout:30 kontor:fanout:30 livekit:groups:8 kontor:groups:8 kontor:fanout:0 livekit:fanout:0 kontor:groups:0 livekit:groups:0"}
WINDOW=${WINDOW:-15s}

ip link set lo up
# LiveKit's Go SDK gathers ICE candidates on non-loopback interfaces only:
# give it one that exists in this namespace alone (a veth pair whose both
# ends are in here; the kernel may lack the dummy device).
ip link add sfub0 type veth peer name sfub1
ip addr add 10.254.0.1/32 dev sfub0
ip link set sfub0 up
ip link set sfub1 up

secret=sfubench-secret-0123456789abcdef0123456789
cat > "$out/livekit.yaml" <<EOF
port: 7880
bind_addresses: ["127.0.0.1"]
rtc:
  udp_port: 7882
  tcp_port: 0
  use_external_ip: false
  node_ip: 127.0.0.1
  enable_loopback_candidate: true
keys:
  devkey: $secret
logging:
  level: warn
EOF

rm -rf "$out/kontor-data"
KONTOR_ADMIN_PASSWORD=bench-admin-pw "$KONTOR" serve --data-dir "$out/kontor-data" --addr 127.0.0.1:18190 \
	--rate-limit 0 --calls-max-participants 1000 --calls-udp-addr 127.0.0.1:18191 --calls-tcp-addr "" \
	>"$out/kontor.log" 2>&1 &
kpid=$!
"$LIVEKIT_SERVER" --config "$out/livekit.yaml" >"$out/livekit.log" 2>&1 &
lpid=$!
trap 'kill $kpid $lpid 2>/dev/null || true' EXIT
for i in $(seq 1 100); do
	if curl -sf http://127.0.0.1:18190/api/v1/health >/dev/null 2>&1 || curl -sf http://127.0.0.1:18190/metrics >/dev/null 2>&1; then
		break
	fi
	sleep 0.2
done

n=0
for run in $RUNS; do
	n=$((n + 1))
	sfu=${run%%:*}
	rest=${run#*:}
	shape=${rest%%:*}
	size=${rest#*:}
	if [ "$shape" = fanout ]; then search="--call-start 10 --call-factor 1.5 --call-limit 300"; else search="--call-start 4 --call-factor 1.5 --call-limit 60"; fi
	if [ "$size" != 0 ]; then search="--call-size $size"; fi
	echo "== $n $sfu $shape $size ($(uptime))" | tee -a "$out/summary.txt"
	if [ "$sfu" = kontor ]; then
		# shellcheck disable=SC2086
		timeout 1200 "$KONTOR_LOAD" --url http://127.0.0.1:18190 --admin-password bench-admin-pw --state "$out/state.json" \
			--call "$shape" $search --call-window "$WINDOW" --server-pid $kpid >"$out/$n-$sfu-$shape.txt" 2>&1 || true
	else
		# shellcheck disable=SC2086
		timeout 1200 "$LIVEKIT_DRIVER" --url ws://127.0.0.1:7880 --api-key devkey --api-secret "$secret" --room-prefix "r$n" \
			--call "$shape" $search --call-window "$WINDOW" --server-pid $lpid >"$out/$n-$sfu-$shape.txt" 2>&1 || true
	fi
	grep -E "^(livekit )?(fanout|groups) [0-9]+: participants|largest|no step|error|refused" "$out/$n-$sfu-$shape.txt" | sort -u | tee -a "$out/summary.txt" || true
done
