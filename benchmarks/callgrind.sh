#!/usr/bin/env bash
# Instructions per request cycle, one task, for each row: the difference between a run of
# 30,000 and one of 10,000 cycles (setup cancels out), counted by callgrind (repeatable
# whatever else the machine is doing).
set -euo pipefail
cd "$(dirname "$0")"
bin=$(cargo bench --no-run 2>&1 | grep -oE 'target/release/deps/request_cycle-[0-9a-f]+' | head -n 1)
[ -x "$bin" ] || { echo "error: could not build the benchmark" >&2; exit 1; }
count() { # row cycles
  BENCH_ONLY=$1 BENCH_COUNT=$2 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '| row | instructions per cycle | × limit |\n|---|---:|---:|\n'
base=""
for row in ${ROWS:-0 1 2 3 4 5 6}; do
  a=$(count "$row" 10000); b=$(count "$row" 30000)
  per=$(( (b - a) / 20000 ))
  [ -z "$base" ] && base=$per
  name=$(BENCH_ONLY=$row BENCH_COUNT=0 "$bin" | sed 's/ran 0 cycles of //')
  printf '| %s | %d | %s |\n' "$name" "$per" "$(awk -v b="$base" -v p="$per" 'BEGIN{printf "%.2f", b/p}')"
done
