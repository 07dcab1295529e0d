#!/usr/bin/env bash
# bench/run.sh: `make bench` (and `make bench-smoke`).  Runs the p2pchat
# server (the default build, which waits with poll, and the epoll build) and
# ngircd side by side on loopback, each started here from a configuration
# written here, drives them with bench/load, and writes the table into
# bench/RESULTS.md (between its bench markers) and to stdout.
#
#   bench/run.sh [-s] [N...]       -s: smoke (N=200, 1 run, 5 trials)
#   bench/run.sh -c REV [N...]     before and after: the server of git
#                                  revision REV next to this one's (into a
#                                  "compare REV BUILD" section of RESULTS.md);
#                                  BUILD=p2pchat-epoll compares the epoll builds
#   bench/run.sh -t LOG            the table from runs already made: LOG holds
#                                  the "bench: SERVER N=n run r: ..." lines a
#                                  run writes on stderr (bench/runs.log keeps
#                                  those of RESULTS.md); the peer path is run
# Environment: RUNS (default 5), TRIALS (default 20), NGIRCD_MAX (run ngircd
# only up to this N; it needs minutes per run at N=5,000 here), NGIRCD_RUNS
# (runs of ngircd, default RUNS: at N=10,000 one takes 40 minutes here), SERVERS (some
# of "p2pchat epoll floor ngircd", the default; the last is the reference).
# "floor" is no server: a bare process writing one line to each of N-1
# connections (bench/load floor), the least a fan-out can cost here.
cd "$(dirname "$0")/.." || exit 2
set -u
smoke=0 rev= log=
[ "${1:-}" = -s ] && smoke=1 && shift
[ "${1:-}" = -c ] && rev=$2 && shift 2
[ "${1:-}" = -t ] && log=$2 && shift 2
sizes=("$@")
[ -z "$log" ] || mapfile -t sizes < <(grep -Eo 'N=[0-9]+' "$log" | cut -c3- | awk '!seen[$0]++')
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 2000 5000 10000)
runs=${RUNS:-5} trials=${TRIALS:-20} build=${BUILD:-p2pchat}
if [ $smoke = 1 ]; then sizes=(200) runs=1 trials=5; fi
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
# a descriptor per simulated client (and as many in the server): as root, lift the hard limit too
[ "$(id -u)" = 0 ] && ulimit -Hn "$(cat /proc/sys/fs/nr_open 2>/dev/null || echo 1048576)" 2>/dev/null
ulimit -n "$(ulimit -Hn)"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# cpu_s PID: user+system CPU seconds so far
cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

rss_kb() {
	awk '/VmRSS/ { print $2 }' "/proc/$1/status"
}

start_p2pchat() { # start_p2pchat BINARY N: sets PID, PORT
	PORT=$(free_port)
	"$1" --server -p "$PORT" -b 127.0.0.1 -m $(($2 + 16)) </dev/null 2>"$T/p2p.log" &
	PID=$!
	until grep -q listening "$T/p2p.log" 2>/dev/null; do sleep 0.05; done
}

start_ngircd() {
	PORT=$(free_port)
	cat >"$T/ngircd.conf" <<-EOF
	[Global]
		Name = bench.local
		Info = p2pchat bench
		Listen = 127.0.0.1
		Ports = $PORT
		PidFile = $T/ngircd.pid
		MotdPhrase = bench
	[Limits]
		MaxConnections = 0
		MaxConnectionsIP = 0
		MaxJoins = 0
		MaxNickLength = 30
		MaxPenaltyTime = 0
		PingTimeout = 600
		PongTimeout = 600
	[Options]
		PAM = no
		DNS = no
		Ident = no
	EOF
	ngircd -n -f "$T/ngircd.conf" >"$T/irc.log" 2>&1 &
	PID=$!
	until grep -q 'ready' "$T/irc.log" 2>/dev/null; do sleep 0.05; done
}

# one SERVER N: one run; prints "storm fanout_med fanout_p99 login_med login_p99 rss_per_user_B cpu_s"
one() {
	local server=$1 n=$2 rss0 cpu0 out
	if [ "$server" = floor ]; then
		out=$(bench/load floor "$n" "$trials") || return 1
		echo "$out" | awk '{ v[$1] = $2 }
			END { printf "- %s %s - - - -\n", v["fanout_floor_median_ms"], v["fanout_floor_p99_ms"] }'
		return
	fi
	case $server in
	p2pchat) start_p2pchat ./p2pchat "$n" ;;
	epoll) start_p2pchat ./p2pchat-epoll "$n" ;;
	ngircd) start_ngircd ;;
	now) start_p2pchat "./$build" "$n" ;;
	*) start_p2pchat "$T/rev/$build" "$n" ;;
	esac
	rss0=$(rss_kb "$PID")
	cpu0=$(cpu_s "$PID")
	out=$T/out
	: >"$out"
	bench/load "$([ "$server" = ngircd ] && echo irc || echo p2pchat)" "$PORT" "$n" "$trials" >"$out" 2>"$T/load.err" &
	local lp=$!
	until grep -q storm_ms "$out" || ! kill -0 $lp 2>/dev/null; do sleep 0.05; done
	local rss1 cpu1
	rss1=$(rss_kb "$PID")
	cpu1=$(cpu_s "$PID")
	wait $lp || { echo "load failed: $(cat "$T/load.err")" >&2; kill "$PID"; wait "$PID" 2>/dev/null; return 1; }
	kill "$PID"
	wait "$PID" 2>/dev/null
	awk -v rss="$(( (rss1 - rss0) * 1024 / (n - 1) ))" -v cpu="$(echo "$cpu1 - $cpu0" | bc)" '
		{ v[$1] = $2 }
		END { printf "%s %s %s %s %s %s %s\n", v["storm_ms"], v["fanout_median_ms"], v["fanout_p99_ms"],
			v["login_median_ms"], v["login_p99_ms"], rss, cpu }' "$out"
}

# the median of numbers; "-" (not measured) if there are none
median() { grep -E '^[0-9.]+$' | sort -g | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }'; }

cc -O2 -o bench/load bench/load.c || exit 1
make -s p2pchat p2pchat-epoll || exit 1
if [ -n "$rev" ]; then
	# the reference is the last server; the ratios are it over each other one
	servers=(now "$rev") heads=("$build (now)" "$build ($rev)")
	git worktree add -q --detach "$T/rev" "$rev" && make -s -C "$T/rev" "$build" || exit 1
	trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; git worktree remove --force "$T/rev"; rm -rf "$T"' EXIT
else
	read -r -a servers <<<"${SERVERS:-p2pchat epoll floor ngircd}"
	heads=()
	for s in "${servers[@]}"; do
		case $s in
		p2pchat) heads+=("p2pchat") ;;
		epoll) heads+=("p2pchat (epoll)") ;;
		floor) heads+=("floor (bare writes)") ;;
		ngircd) heads+=("ngircd")
			command -v ngircd >/dev/null || { echo "bench: needs ngircd (apt-get install ngircd)" >&2; exit 1; } ;;
		*) echo "bench: no server $s (p2pchat, epoll, floor, ngircd)" >&2; exit 2 ;;
		esac
	done
fi
ref=${servers[-1]} refhead=${heads[-1]}

table=$T/table
{
	printf '| N | measure |'
	printf ' %s |' "${heads[@]}"
	for h in "${heads[@]:0:${#heads[@]}-1}"; do printf ' %s / %s |' "$refhead" "$h"; done
	printf '\n|---:|---|'
	for h in "${heads[@]}" "${heads[@]:1}"; do printf -- '---:|'; done
	printf '\n'
} >"$table"
for n in "${sizes[@]}"; do
	for server in "${servers[@]}"; do
		: >"$T/$server.runs"
		if [ -n "$log" ]; then
			grep "^bench: $server N=$n run " "$log" | sed 's/^[^:]*:[^:]*: //' >"$T/$server.runs"
			continue
		fi
		[ "$server" = ngircd ] && [ "$n" -gt "${NGIRCD_MAX:-$n}" ] && continue
		for r in $(seq 1 "$([ "$server" = ngircd ] && echo "${NGIRCD_RUNS:-$runs}" || echo "$runs")"); do
			one "$server" "$n" >>"$T/$server.runs" || exit 1
			echo "bench: $server N=$n run $r: $(tail -n 1 "$T/$server.runs")" >&2
		done
	done
	for server in "${servers[@]}"; do
		k=$(wc -l <"$T/$server.runs")
		[ "$k" -gt 0 ] && [ "$k" != "$runs" ] && echo "$server at N=$n: $k" >>"$T/fewer"
	done
	names=("storm (all online, all told), ms" "fan-out median, ms" "fan-out p99, ms" "login median, ms" \
		"login p99, ms" "server RSS per user, bytes" "server CPU for the storm, s")
	ratio() { if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]]; then printf '%.1f' "$(echo "if ($2 > 0) $1 / $2 else 0" | bc -l)"; else printf -- -; fi; }
	for k in 1 2 3 4 5 6 7; do
		med=()
		for server in "${servers[@]}"; do med+=("$([ -s "$T/$server.runs" ] && cut -d' ' -f$k "$T/$server.runs" | median)"); done
		printf '| %s | %s |' "$n" "${names[$((k - 1))]}"
		for v in "${med[@]}"; do printf ' %s |' "${v:-not run}"; done
		for v in "${med[@]:0:${#med[@]}-1}"; do printf ' %s |' "$(ratio "${med[-1]}" "$v")"; done
		printf '\n'
	done >>"$table"
done

section=$T/section
if [ -n "$rev" ]; then
	{
		echo "<!-- compare $rev $build: made by bench/run.sh -c -->"
		echo "## Coordinator: before and after ($build, against $rev)"
		echo
		echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -m), $(nproc) cores, $(uname -sr)."
		echo "Command: \`BUILD=$build bench/run.sh -c $rev${*:+ $*}\` (RUNS=$runs, TRIALS=$trials): the server"
		echo "of revision $rev ($(git log -1 --format=%s "$rev" | cut -c1-60)...) next to this one's ($(git log -1 --format=%h)$(git diff --quiet HEAD -- '*.c' '*.h' || echo ' and changes not yet committed')), both"
		echo "$build, driven the same way as in the table above; medians of $runs runs."
		echo
		cat "$table"
		echo "<!-- end of compare $rev $build -->"
	} >"$section"
	cat "$section"
	bash bench/section.sh "compare $rev $build" "$section"
	exit 0
fi

# the peer path: two real clients, next to a raw UDP round trip
peer=$T/peer
bash bench/peer.sh >"$peer" 2>"$T/peer.err" || { echo "bench: peer: $(cat "$T/peer.err")" >&2; exit 1; }

{
	echo "<!-- bench: made by bench/run.sh -->"
	echo "## Coordinator: p2pchat and ngircd side by side"
	echo
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -m), $(nproc) cores, $(uname -sr);"
	echo "$(ngircd --version | head -n 1); p2pchat $(./p2pchat --version | cut -d' ' -f2)."
	echo "Command: \`${SERVERS:+SERVERS=\"$SERVERS\" }bench/run.sh$([ $smoke = 1 ] && echo " -s")${log:+ -t $log}${*:+ $*}\` (RUNS=$runs, TRIALS=$trials);"
	echo "each figure is the median of $runs runs (of fewer where the table's foot says so); each run's fan-out and login figures are"
	echo "the median and p99 of $trials trials.  p2pchat is the default build (waiting with"
	echo "poll) and the epoll build (make POLLER=epoll).  The servers run on loopback and are driven"
	echo "by bench/load: p2pchat clients log in over UDP (each from an address of its own in"
	echo "127/8), open their sessions and read every notice; IRC clients register, JOIN"
	echo "one channel and read every JOIN.${NGIRCD_MAX:+  ngircd ran up to N=$NGIRCD_MAX only.}  Storm: N-1 clients, at most 8 logging in at once,"
	echo "until all are online and each knows every other.  Fan-out: one more login until"
	echo "all N-1 have heard of it.  Login: that login until its own roster (NAMES) is read;"
	echo "meanwhile the client acknowledges at once (TCP_QUICKACK), since ngircd writes NAMES in"
	echo "pieces without TCP_NODELAY and a delayed ACK would add 40 ms to it."
	echo "RSS per user: server RSS growth over the storm / (N-1)."
	echo "Floor: no server, a bare process writing one notice-sized line to each of N-1 TCP"
	echo "connections, read the same way (bench/load floor): what N-1 writes cost here, the"
	echo "least any fan-out can take; its column is the fan-out alone (no login in it)."
	echo
	cat "$table"
	if [ -s "$T/fewer" ]; then
		echo
		echo "Fewer runs (the median of an even number is the lower middle one): $(paste -sd, "$T/fewer" | sed 's/,/, /g')."
	fi
	echo
	echo "### Peer path (two real p2pchat clients on loopback)"
	echo
	cat "$peer"
	echo "<!-- end of bench -->"
} >"$section"
cat "$section"
[ $smoke = 1 ] && exit 0
bash bench/section.sh bench "$section"
