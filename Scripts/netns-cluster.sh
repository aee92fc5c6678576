#!/usr/bin/env bash
# A cluster "on several hosts" on one Linux machine: each replica runs in its own
# network namespace with its own address on a bridge, and the client talks to them
# from the host, as it would to replicas on separate machines.
#
#   sudo Scripts/netns-cluster.sh [N] [BENCH_SECONDS]
#
# Builds nothing: set DQBFT to the binary (default .build/release/dqbft). Writes to a
# temporary directory; removes the namespaces, the bridge and the processes on exit.
set -euo pipefail
N=${1:-4}
BENCH=${2:-5}
DQBFT=${DQBFT:-$(pwd)/.build/release/dqbft}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
[ -x "$DQBFT" ] || { echo "no binary at $DQBFT (swift build -c release --product dqbft)" >&2; exit 1; }
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for i in $(seq 0 $((N - 1))); do ip netns del "dq$i" 2>/dev/null || true; done
  ip link del dqbr0 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ip link add dqbr0 type bridge
ip addr add 10.77.0.254/24 dev dqbr0
ip link set dqbr0 up
HOSTS=""
for i in $(seq 0 $((N - 1))); do
  ip netns add "dq$i"
  ip link add "dqv$i" type veth peer name eth0 netns "dq$i"
  ip link set "dqv$i" master dqbr0 up
  ip -n "dq$i" addr add "10.77.0.$((i + 1))/24" dev eth0
  ip -n "dq$i" link set eth0 up
  ip -n "dq$i" link set lo up
  HOSTS+="${HOSTS:+,}10.77.0.$((i + 1))"
done

"$DQBFT" keygen --replicas "$N" --hosts "$HOSTS" --base-port 7000 --out "$WORK/conf"
for i in $(seq 0 $((N - 1))); do
  ip netns exec "dq$i" "$DQBFT" replica --config "$WORK/conf/cluster.json" --id "$i" \
    --data-dir "$WORK/data-$i" --new --log-level warning > "$WORK/replica-$i.log" 2>&1 &
  PIDS+=($!)
done
sleep 2
"$DQBFT" kv --config "$WORK/conf/cluster.json" --connect-timeout 10 put color blue
VALUE=$("$DQBFT" kv --config "$WORK/conf/cluster.json" get color)
echo "get color -> $VALUE"
[ "$VALUE" = blue ] || { echo "FAILED: expected blue" >&2; tail -n 20 "$WORK"/replica-*.log >&2; exit 1; }
if [ "$BENCH" -gt 0 ]; then
  "$DQBFT" bench --config "$WORK/conf/cluster.json" --clients 16 --duration "$BENCH" --payload 512 | tail -n 3
fi
echo "OK: $N replicas in namespaces dq0..dq$((N - 1)) served the client through the bridge"
