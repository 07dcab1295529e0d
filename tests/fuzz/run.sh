#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS HARNESS...: run each libFuzzer harness for SECONDS
# from the seed corpus in tests/fuzz/corpus/NAME (new inputs go to a scratch
# folder, so the tree stays clean), and report executions and findings.
# Exits non-zero if any harness crashed; the crashing input is kept.
cd "$(dirname "$0")/../.." || exit 2
secs=$1
shift
status=0
for name in "$@"; do
	work=$(mktemp -d)
	log=$work/log
	./fuzzbin/"$name" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="fuzzbin/$name-" \
		"$work" "tests/fuzz/corpus/$name" >"$log" 2>&1
	st=$?
	runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$')
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1)
	if [ "$st" = 0 ]; then
		echo "fuzz $name: ${runs:-?} runs in ${secs}s, ${cov:-cov: ?}, no crash"
	else
		echo "fuzz $name: FAILED (status $st) after ${runs:-?} runs:"
		grep -E 'ERROR|SUMMARY|runtime error|deadly signal|Test unit written' "$log" | head -n 20
		status=1
	fi
	rm -rf "$work"
done
exit $status
