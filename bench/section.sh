#!/usr/bin/env bash
# bench/section.sh NAME FILE: put FILE, a section that starts with a line
# "<!-- NAME: ..." and ends with "<!-- end of NAME -->", into bench/RESULTS.md
# in place of the old one, or at the end, so each tool keeps its own part.
name=$1 new=$2 results=bench/RESULTS.md
tmp=$(mktemp)
[ -f "$results" ] || printf '# p2pchat: measured results\n\n' >"$results"
if grep -qF "<!-- $name:" "$results"; then
	awk -v new="$new" -v name="$name" '
		index($0, "<!-- " name ":") == 1 { while ((getline l < new) > 0) print l; skip = 1; next }
		$0 == "<!-- end of " name " -->" { skip = 0; next }
		!skip' "$results" >"$tmp" && cp "$tmp" "$results"
else
	cat "$new" >>"$results"
fi
rm -f "$tmp"
