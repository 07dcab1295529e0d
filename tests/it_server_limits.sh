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

# Two addresses in one slot of the login rate's table (the hash computed as
# rate.c does) share its bucket: 200 logins sent alternately from them are
# answered no more than the burst and the rate allow, measured.
t_login_rate_is_shared_by_addresses_in_one_bucket() {
	start_server
	python3 - "$PORT" >"$T/py.out" 2>&1 <<-'EOF' || fail "$(cat "$T/py.out")"
	import select, socket, sys, time
	port = int(sys.argv[1])
	BURST, RATE, SLOTS = 20, 5, 1024 # server.c: LOGIN_BURST, LOGIN_RATE, RATE_SLOTS
	def slot(ip):
	    h = 2166136261
	    for b in socket.inet_aton(ip):
	        h = (h ^ b) * 16777619 & 0xffffffff
	    return (h ^ socket.AF_INET) % SLOTS
	a = "127.0.0.2"
	b = next(ip for ip in ("127.0.%d.%d" % (k // 254, k % 254 + 1) for k in range(254, 65000))
	         if slot(ip) == slot(a))
	socks = []
	for ip in (a, b):
	    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    s.bind((ip, 0))
	    socks.append(s)
	t0 = time.monotonic()
	for k in range(200):
	    s = socks[k % 2]
	    s.sendto(("login,rb%03d,%s:%d" % ((k,) + s.getsockname())).encode(), ("127.0.0.1", port))
	answered, last = 0, t0
	while True:
	    ready = select.select(socks, [], [], 1)[0]
	    if not ready:
	        break
	    for s in ready:
	        s.recv(200)
	        answered += 1
	        last = time.monotonic()
	# the last answer left the server before it came: no later refill counts
	allowed = BURST + int(RATE * (last - t0))
	print(a, b, answered, allowed)
	EOF
	read -r a b answered allowed <"$T/py.out" || fail "$(cat "$T/py.out")"
	[ "$answered" -le "$allowed" ] || fail "$answered of 200 logins from $a and $b answered; $allowed allowed"
	[ "$answered" -ge 20 ] || fail "only $answered answered: the burst was not served"
	echo "    $a and $b: $answered of 200 answered, $allowed allowed"
}
