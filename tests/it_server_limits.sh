# tests/it_server_limits.sh: the server's limits on what strangers and users
# can make it hold or say: pending logins per address, the life of a token,
# the login rate per address, and log lines per cause.  Sourced by
# tests/integration.sh.

# Log lines of one cause: 10 in a period of 10 s, then a count (p2pchat.h).
HUSH_LINES=10

# 1 MB of junk lines from a user's session: a bounded number of log lines
# and a count of the rest, every line accounted for; the server serves on.
t_junk_session_lines_are_logged_within_bounds() {
	start_server
	start_client alice
	start_client bob
	python3 - "$PORT" "$T/stop" >"$T/py.out" 2>&1 <<-'EOF' &
	import os, socket, sys, time
	port = int(sys.argv[1])
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	u.bind(("127.0.0.1", 0))
	u.sendto(("login,py,127.0.0.1:%d" % u.getsockname()[1]).encode(), ("127.0.0.1", port))
	tok = u.recv(100).decode().split(",")[2]
	t = socket.create_connection(("127.0.0.1", port))
	t.sendall(("hello,py,%s\n" % tok).encode())
	t.recv(1000)
	lines = [b"junk,%07d,%s" % (k, b"x" * 80) for k in range((1 << 20) // 94 + 1)]
	t.sendall(b"\n".join(lines) + b"\n")
	print("sent", len(lines), sum(len(l) + 1 for l in lines), flush=True)
	while not os.path.exists(sys.argv[2]):
	    time.sleep(0.1)
	EOF
	PIDS+=("$!")
	wait_for "$T/py.out" '^sent ' || fail "python: $(cat "$T/py.out")"
	read -r _ lines bytes <"$T/py.out"
	[ "$bytes" -ge 1000000 ] || fail "only $bytes bytes sent"
	# the count comes when the period ends, 10 s after the first line
	end=$(($(date +%s) + 20))
	while :; do
		said=$(grep -c 'py: ignored a line' "$T/server.log")
		held=$(grep -Eo '[0-9]+ more ignored session lines suppressed' "$T/server.log" |
			awk '{ n += $1 } END { print n + 0 }')
		[ $((said + held)) -lt "$lines" ] || break
		[ "$(date +%s)" -lt "$end" ] ||
			fail "$said said and $held counted of $lines lines ($(wc -c <"$T/server.log") bytes of log)"
		sleep 0.1
	done
	[ $((said + held)) = "$lines" ] || fail "$said said and $held counted of $lines lines"
	periods=$(grep -c 'more ignored session lines suppressed' "$T/server.log")
	[ "$said" -le $((HUSH_LINES * (periods + 1))) ] || fail "$said lines in $periods periods"
	[ "$(wc -c <"$T/server.log")" -lt 8192 ] || fail "$(wc -c <"$T/server.log") bytes of log"
	say alice '/msg bob after the junk'
	wait_for "$T/bob.out" '<alice> after the junk$' || fail "chat"
	console who
	wait_for "$T/server.out" '^3 online$' || fail "roster: $(cat "$T/server.out")"
	touch "$T/stop"
	echo "    $lines lines ($bytes bytes): $said logged, $held counted, log $(wc -c <"$T/server.log") bytes"
}
