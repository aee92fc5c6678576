#!/bin/bash
# Usage: Scripts/bench-encryption.sh (DQBFT=path/to/dqbft); prints one bench --json line per run, in /tmp/dqbft-enc.
# Encryption on/off, interleaved: the same cluster directory, "encryption" toggled in cluster.json between runs.
D=${DQBFT:-$(pwd)/.build/release/dqbft}
mkdir -p /tmp/dqbft-enc && cd /tmp/dqbft-enc || exit 1
rm -rf c; $D keygen --dir c --base-port 17600 --metrics-base-port 0 > /dev/null
for round in 1 2 3 4; do
  for enc in true false; do
    python3 - "$enc" <<'PY'
import json,sys
d=json.load(open('c/cluster.json')); d['encryption']= sys.argv[1]=='true'; json.dump(d,open('c/cluster.json','w'),indent=1)
PY
    rm -rf c/data-* ; $D cluster --dir c --wal-sync write --metrics-base-port 0 > cl.log 2>&1 &
    CL=$!; sleep 3
    r=$($D bench --config c/cluster.json --duration 8 --warmup 2 --clients 64 --json 2>/dev/null)
    echo "round=$round encryption=$enc $r"
    kill $CL; wait $CL 2>/dev/null; sleep 1
  done
done
