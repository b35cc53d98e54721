#!/bin/sh
# Runs one fuzz target for a while, keeping going after crashes (fork mode), with the
# seed corpus and the dictionary: fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags…]
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain, or
# RUSTC_BOOTSTRAP=1 on stable (set below). FUZZ_TARGET_DIR, FUZZ_CODEGEN_UNITS: passed
# to cargo fuzz (a build with other settings is a new build). Sanitizer: none by default (safe Rust; 4×
# the executions of ASan); FUZZ_SANITIZER=address to change it.
set -eu
cd "$(dirname "$0")"
t=${1:?target: parse_print decls derive equiv rules}
secs=${2:-300}
[ $# -ge 2 ] && shift 2 || shift $#
dict=dicts/expr.dict
[ "$t" = rules ] && dict=dicts/rules.dict
if [ "$t" != rules ]; then
  # Every function of the operator table as a keyword too, so that one added since the
  # dictionary was written is fuzzed as soon as it exists.
  gen="$(mktemp)"
  cp "$dict" "$gen"
  grep -o 'ew\(_in\)\?([A-Za-z:_]*,\? *"[a-z0-9]*"\|Text::Call("[a-z0-9]*")' ../src/lang/op.rs \
    | grep -o '"[a-z0-9]*"' | tr -d '"' | sort -u \
    | while read -r f; do grep -q "\"$f(\"" "$gen" || echo "table_$f=\"$f(\"" >>"$gen"; done
  dict="$gen"
fi
[ -d "seeds/$t" ] || python3 make_seeds.py  # seeds are written from the project's own data
mkdir -p "corpus/$t" "artifacts/$t"
export RUSTC_BOOTSTRAP=${RUSTC_BOOTSTRAP:-1}
exec cargo fuzz run -s "${FUZZ_SANITIZER:-none}" ${FUZZ_TARGET_DIR:+--target-dir "$FUZZ_TARGET_DIR"} \
  ${FUZZ_CODEGEN_UNITS:+--codegen-units "$FUZZ_CODEGEN_UNITS"} \
  "$t" "corpus/$t" "seeds/$t" -- \
  -dict="$dict" -max_total_time="$secs" -timeout=2 -rss_limit_mb=2048 \
  -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -artifact_prefix="artifacts/$t/" -print_final_stats=1 "$@"
