#!/usr/bin/env bash
# bench/run.sh: authgate check against its floor and against `opa eval` over
# the same Rego controls and the same snapshot.
#
#   bench/run.sh [--rounds N] [--sizes 10000,100000,1000000] [--seed S] [--small-rounds N] [--no-writers]
#
# For each size it generates a synthetic snapshot (bench/gen, from the Graph
# emulator's generator: internal/graphfake.WriteSnapshot with Graph summaries)
# and runs, N rounds, interleaved (every tool once in every round):
#   floor     bench/floor: os.ReadFile + encoding/json into snapshot.Document
#             (typed Go structs), the least any checker must do with the file.
#   floor2    bench/floor -json v2: the JSON v2 implementation (what
#             encoding/json/v2 is built from) decoding the file into the same
#             structs as it reads it, on one core (GOMAXPROCS=1). The bar:
#             authgate on every core should need no more wall time.
#   opa       the opa CLI built from the OPA version in go.mod, evaluating the
#             built-in pack (policies/builtin + policies/lib, *_test.rego
#             ignored) with one query that binds every control's violation
#             set and skip set (bench/out/query.rego, written by bench/gen
#             -query: the query of authgate's --eval-mode document), printing
#             the results as JSON to a file.
#             Input: the snapshot plus one member, "aggregates", the
#             tenant figures authgate's evaluator computes in its streaming
#             pass and hands the tenant-scoped controls as input.aggregates.
#             bench/gen -aggregates takes them from a check of the snapshot by
#             the evaluator itself (Result.Aggregates, in the documented
#             input.aggregates shape) and writes the snapshot's users after
#             them as the evaluator presents them to the controls (a null
#             capability as false, "@authgate.unknown"). Data:
#             data.authgate.params (the pack's defaults) and
#             data.authgate.taxonomy, as authgate's store holds them
#             (bench/gen -data). Computing the aggregates is NOT timed: the
#             baseline gets them for free.
#   authgate  authgate check --snapshot FILE --format json -o FILE
#             (exit 1, a failing control, is expected).
#   opa-custom, authgate-custom
#             the same two tools over the custom pack instead (bench/custompack:
#             two user controls written to the convention of docs/policies.md,
#             tens of thousands of findings at 1M users, with policies/lib):
#             authgate check --no-builtin --policy bench/custompack.
# each under /usr/bin/time -v: wall, user+sys, peak RSS. It prints the
# medians and the ratios, then figure 5 (a 100-user snapshot, start to exit)
# and figure 4 (each writer on the largest size's result, bench/writers).
# Generated files and raw timings go to bench/out/ (gitignored).
set -euo pipefail

ROUNDS=5
SMALL_ROUNDS=11
SIZES=10000,100000,1000000
SEED=1
WRITERS=1
while [[ $# -gt 0 ]]; do
	case "$1" in
	--rounds) ROUNDS=$2; shift 2 ;;
	--small-rounds) SMALL_ROUNDS=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	--no-writers) WRITERS=0; shift ;;
	-h | --help) sed -n '2,42p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/out
RAW=$OUT/raw
mkdir -p "$OUT" "$RAW"
cd "$ROOT"

if [[ ! -x /usr/bin/time ]]; then
	echo "run.sh: /usr/bin/time is missing (apt-get install -y time)" >&2
	exit 2
fi

echo "== build"
go build -o "$OUT/authgate" ./cmd/authgate
go build -o "$OUT/floor" ./bench/floor
go build -o "$OUT/gen" ./bench/gen
go build -o "$OUT/writers" ./bench/writers
OPA_VERSION=$(go list -m -f '{{.Version}}' github.com/open-policy-agent/opa)
if [[ ! -x "$OUT/opa" ]] || ! "$OUT/opa" version | grep -q "Version: ${OPA_VERSION#v}\$"; then
	echo "building opa $OPA_VERSION (about 50 s cold)"
	# Outside the module, so go.mod and go.sum stay untouched.
	(cd "$(mktemp -d)" && GOFLAGS= GOBIN="$OUT" go install "github.com/open-policy-agent/opa@$OPA_VERSION")
fi
"$OUT/gen" -data "$OUT/data.json" -query "$OUT/query.rego"
QUERY=$(cat "$OUT/query.rego")
# The custom pack's query, in the same form (one binding per control).
CUSTOM_QUERY="v0 = data.authgate.benchpack.guest_without_mfa.violation; v1 = data.authgate.benchpack.member_sspr_without_mfa.violation"
printf '%s\n' "$CUSTOM_QUERY" >"$OUT/query-custom.rego"
TOOLS=(floor floor2 opa authgate opa-custom authgate-custom)

snap() { echo "$OUT/snap-$1.json"; }
prepare() { # size
	local n=$1
	if [[ ! -s $(snap "$n") || ! -s $OUT/input-$n.json ]]; then
		echo "generating $n users"
		"$OUT/gen" -users "$n" -seed "$SEED" -o "$(snap "$n")" -aggregates "$OUT/input-$n.json"
	fi
}

# measure TOOL SIZE ROUND: appends "tool size round wall cpu rssKB" to $RAW/times.tsv.
measure() {
	local tool=$1 n=$2 r=$3 f=$RAW/$1-$2-$3.time
	local rc=0
	case $tool in
	floor) /usr/bin/time -v -o "$f" "$OUT/floor" "$(snap "$n")" >/dev/null || rc=$? ;;
	floor2) /usr/bin/time -v -o "$f" "$OUT/floor" -json v2 "$(snap "$n")" >/dev/null || rc=$? ;;
	opa)
		/usr/bin/time -v -o "$f" "$OUT/opa" eval --ignore '*_test.rego' -d policies/builtin -d policies/lib \
			-d "$OUT/data.json" -i "$OUT/input-$n.json" --format json "$QUERY" >"$OUT/opa-$n.json" || rc=$?
		;;
	opa-custom)
		/usr/bin/time -v -o "$f" "$OUT/opa" eval --ignore '*_test.rego' -d bench/custompack -d policies/lib \
			-d "$OUT/data.json" -i "$OUT/input-$n.json" --format json "$CUSTOM_QUERY" >"$OUT/opa-custom-$n.json" || rc=$?
		;;
	authgate)
		/usr/bin/time -v -o "$f" "$OUT/authgate" check --snapshot "$(snap "$n")" --format json -o "$OUT/authgate-$n.json" || rc=$?
		[[ $rc == 1 ]] && rc=0 # a failing control, as expected
		;;
	authgate-custom)
		/usr/bin/time -v -o "$f" "$OUT/authgate" check --no-builtin --policy bench/custompack --snapshot "$(snap "$n")" \
			--format json -o "$OUT/authgate-custom-$n.json" || rc=$?
		[[ $rc == 1 ]] && rc=0
		;;
	esac
	if [[ $rc != 0 ]]; then
		echo "run.sh: $tool at $n users exited $rc" >&2
		exit 1
	fi
	awk -v t="$tool" -v n="$n" -v r="$r" -F': ' '
		/Elapsed \(wall clock\)/ { k = split($2, a, ":"); w = 0; for (i = 1; i <= k; i++) w = w * 60 + a[i] }
		/User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { m = $2 }
		END { printf "%s\t%s\t%s\t%.3f\t%.3f\t%d\n", t, n, r, w, u + s, m }' "$f" >>"$RAW/times.tsv"
	tail -n1 "$RAW/times.tsv" | awk '{ printf "  %-15s %8d users  round %s: %7.2f s wall %7.2f s cpu %8.0f MB\n", $1, $2, $3, $4, $5, $6 / 1024 }'
}

# check_same SIZE [custom]: every control has as many findings in opa's output as in authgate's.
check_same() {
	local n=$1 sfx=${2:+-$2} bad=0
	while read -r v pkg; do
		local a o
		o=$(jq "[.result[0].bindings.$v // [] | length] | .[0]" "$OUT/opa$sfx-$n.json")
		a=$(jq --arg p "$pkg" '[.controls[] | select(.package == $p) | (.violations | length)] | .[0]' "$OUT/authgate$sfx-$n.json")
		if [[ "$o" != "$a" ]]; then
			echo "  MISMATCH at $n users${2:+ ($2 pack)}: $pkg: opa $o, authgate $a"
			bad=1
		fi
	done < <(tr ';' '\n' <"$OUT/query$sfx.rego" | sed -n 's/^ *\(v[0-9]*\) = data\.\(.*\)\.\(violation\|deny\)$/\1 \2/p')
	[[ $bad == 0 ]] && echo "  findings per control: opa eval and authgate agree at $n users${2:+ ($2 pack)}"
	return 0
}

: >"$RAW/times.tsv"
IFS=, read -r -a SIZE_LIST <<<"$SIZES"
for n in "${SIZE_LIST[@]}"; do prepare "$n"; done
for n in "${SIZE_LIST[@]}"; do
	echo "== $n users ($(du -m "$(snap "$n")" | cut -f1) MB), $ROUNDS rounds"
	for r in $(seq 1 "$ROUNDS"); do
		for tool in "${TOOLS[@]}"; do measure "$tool" "$n" "$r"; done
	done
	check_same "$n"
	check_same "$n" custom
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -v t="$1" -v n="$2" -v c="$3" '$1 == t && $2 == n { print $c }' "$RAW/times.tsv" | median; }

{
	echo
	echo "## Medians of $ROUNDS rounds (wall s, user+sys s, peak RSS MB)"
	echo
	echo "floor: encoding/json; floor2: JSON v2, one core. Goal: authgate wall <= floor2 wall, RSS < 300 MB, opa/authgate wall >= 8."
	echo
	echo "| users | pack | floor wall | floor2 wall | opa wall | authgate wall | floor2 cpu | opa cpu | authgate cpu | floor2 RSS | opa RSS | authgate RSS | authgate/floor2 wall | opa/authgate wall | opa/authgate RSS |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in "${SIZE_LIST[@]}"; do
		for pack in builtin custom; do
			sfx=""
			[[ $pack == custom ]] && sfx=-custom
			fw=$(col floor "$n" 4) f2w=$(col floor2 "$n" 4) ow=$(col "opa$sfx" "$n" 4) aw=$(col "authgate$sfx" "$n" 4)
			f2c=$(col floor2 "$n" 5) oc=$(col "opa$sfx" "$n" 5) ac=$(col "authgate$sfx" "$n" 5)
			f2m=$(col floor2 "$n" 6) om=$(col "opa$sfx" "$n" 6) am=$(col "authgate$sfx" "$n" 6)
			awk -v n="$n" -v p="$pack" -v fw="$fw" -v f2w="$f2w" -v ow="$ow" -v aw="$aw" -v f2c="$f2c" -v oc="$oc" -v ac="$ac" -v f2m="$f2m" -v om="$om" -v am="$am" 'BEGIN {
				printf "| %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f | %.2f | %.2f | %.1f |\n",
					n, p, fw, f2w, ow, aw, f2c, oc, ac, f2m / 1024, om / 1024, am / 1024, aw / f2w, ow / aw, om / am }'
		done
	done
} | tee "$OUT/summary.md"

echo
echo "== figure 5: 100 users, start to exit, $SMALL_ROUNDS rounds"
prepare 100
for r in $(seq 1 "$SMALL_ROUNDS"); do
	for tool in opa authgate; do measure "$tool" 100 "$r" >/dev/null; done
done
{
	echo
	echo "## Figure 5: 100 users, start to exit (median of $SMALL_ROUNDS)"
	echo
	awk -v o="$(col opa 100 4)" -v a="$(col authgate 100 4)" -v om="$(col opa 100 6)" -v am="$(col authgate 100 6)" 'BEGIN {
		printf "| tool | wall s | peak RSS MB |\n|---|---:|---:|\n| opa eval | %.3f | %.0f |\n| authgate check | %.3f | %.0f |\n\nauthgate/opa wall: %.2f (fig. 5: <= 1)\n", o, om / 1024, a, am / 1024, a / o }'
} | tee -a "$OUT/summary.md"
check_same 100

if [[ $WRITERS == 1 ]]; then
	largest=${SIZE_LIST[-1]}
	second=${SIZE_LIST[-2]:-}
	echo
	echo "== figure 4: writers on the result of a check (median of 3)"
	{
		echo
		echo "## Figure 4: report writers (bench/writers, median of 3)"
		echo
		"$OUT/writers" -rounds 3 -dir "$OUT" ${second:+"$(snap "$second")"} "$(snap "$largest")"
	} | tee -a "$OUT/summary.md"
fi
echo
echo "raw timings: $RAW/times.tsv; summary: $OUT/summary.md"
