#!/usr/bin/env bash
# tests/run.sh: run the unit and integration tests for each build given as
# LABEL:BINARY:UNIT[:CLIENT[:TESTS]], and end with "N passed, N failed, N skipped".
# UNIT "-" runs no unit tests; CLIENT, if given, is the binary the clients
# run (the server runs BINARY); TESTS, comma-separated, replaces the full
# list.  Exits non-zero when anything failed.  A test exits 0 (pass), 77
# (skip: it cannot run here, e.g. without root) or anything else (fail).

cd "$(dirname "$0")/.." || exit 2
passed=0 failed=0 skipped=0

result() { # result STATUS NAME [WHY]
	case $1 in
	0) passed=$((passed + 1)); echo "ok - $2" ;;
	77) skipped=$((skipped + 1)); echo "skip - $2${3:+ ($3)}" ;;
	*) failed=$((failed + 1)); echo "FAIL - $2" ;;
	esac
}

# Sanitizer reports go to stderr, which the tests keep in files; a report
# anywhere fails the test that caused it.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

for build in "$@"; do
	IFS=: read -r label bin unit cbin tests <<<"$build"
	if [ "$unit" != - ]; then
		while read -r line; do
			case $line in
			"ok - "*) result 0 "$label unit: ${line#ok - }" ;;
			"not ok - "*) result 1 "$label unit: ${line#not ok - }" ;;
			esac
		done < <($unit 2>&1)
		# a crash of the unit binary is a failure of its own
		$unit >/dev/null 2>&1 || result 1 "$label unit: the unit binary exits 0"
	fi

	export BIN=$PWD/${bin#./} LABEL=$label CBIN=
	[ -z "$cbin" ] || CBIN=$PWD/${cbin#./}
	[ -n "$tests" ] || tests=$(bash tests/integration.sh --list)
	for t in ${tests//,/ }; do
		out=$(bash tests/integration.sh "$t" 2>&1)
		status=$?
		result "$status" "$label: $t" "$(printf '%s' "$out" | tail -n 1)"
		if [ "$status" != 0 ] && [ "$status" != 77 ]; then
			printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
		fi
	done
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
