#!/usr/bin/env bash
# Fuzzes the protocol decoder and the node's message handling with libFuzzer (clang, ASan + UBSan).
#   bench/fuzz-protocol.sh SECONDS [MODEL_DIR]
# Builds into build/fuzz/, seeds the corpus with the golden frames, runs one job for SECONDS and prints
# libFuzzer's final statistics (executions, executions per second); FUZZ_MAX_LEN (default 8192, more than
# the largest frame) caps the input size; FUZZ_RUNS=N stops after N executions instead of SECONDS (pass 0
# as SECONDS for no time limit). Exit status non-zero on any crash,
# sanitizer report, leak or invariant violation (reproducer left in build/fuzz/).
set -euo pipefail
secs="${1:?usage: bench/fuzz-protocol.sh SECONDS [MODEL_DIR]}"
root="$(cd "$(dirname "$0")/.." && pwd)"
model="${2:-}"
if [ -z "$model" ]; then
  if [ -f "$root/firmware/components/pose_model/pose_model.h" ]; then model="$root/firmware/components/pose_model"
  else model="$root/firmware/linux/placeholder_model"; fi
fi
out="${FUZZ_BUILD_DIR:-$root/build/fuzz}"
mkdir -p "$out/corpus"
core="$root/firmware/core"
clang -g -O2 -std=c11 -Wall -Wextra -Werror -fno-strict-aliasing -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$core" -I"$model" "$root/firmware/linux/test/fuzz_proto.c" \
  "$core/proto.c" "$core/csi.c" "$core/window.c" "$core/driver.c" "$core/node.c" "$model"/*.c \
  -o "$out/fuzz_proto"
# Seeds: every golden wire frame, as raw-mode input (leading even byte).
i=0
grep '^frame ' "$root/test/fixtures/protocol/golden-frames.txt" | sed -E 's/.* wire=([0-9a-f]+).*/00\1/' |
  while read -r hex; do printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')" > "$out/corpus/golden-$i"; i=$((i + 1)); done
cd "$out"
./fuzz_proto -max_total_time="$secs" -runs="${FUZZ_RUNS:--1}" -max_len="${FUZZ_MAX_LEN:-8192}" -print_final_stats=1 -artifact_prefix="$out/" corpus 2>&1 |
  tee "$out/last-run.log" | grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY|Done' || true
exit "${PIPESTATUS[0]}"
