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

# Two addresses send logins for 64 names each and send them again; each holds
# at most 8 pending (the bound the server sets per address), so a newcomer
# from a third address logs in and chats.
t_login_squat_from_two_addresses_leaves_room() {
	start_server
	start_client alice
	python3 - "$PORT" "$T/stop" >"$T/squat.out" 2>&1 <<-'EOF' &
	import os, socket, sys, time
	port, stop = int(sys.argv[1]), sys.argv[2]
	srv = ("127.0.0.1", port)
	# one socket per name, so that every answer says whose it is
	addrs = []
	for ip in ["127.0.0.2", "127.0.0.3"]:
	    socks = []
	    for k in range(64):
	        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	        s.bind((ip, 0))
	        s.setblocking(False)
	        socks.append(s)
	    addrs.append(socks)
	t0 = time.monotonic()
	tokens = [{}, {}]    # name -> (token, when first accepted)
	reasons = {}
	said = False
	def login(a, k):
	    s = addrs[a][k]
	    s.sendto(("login,sq%d_%02d,%s:%d" % ((a, k) + s.getsockname())).encode(), srv)
	def drain():
	    for a, socks in enumerate(addrs):
	        for k, s in enumerate(socks):
	            try:
	                f = s.recv(200).decode().split(",")
	            except BlockingIOError:
	                continue
	            if f[0] == "Accept":
	                old = tokens[a].setdefault(k, (f[2], time.monotonic()))
	                assert old[0] == f[2], "a login sent again got another token"
	            else:
	                reasons[f[1]] = reasons.get(f[1], 0) + 1
	for a in range(2):
	    for k in range(64):
	        login(a, k)
	k = 0
	while not os.path.exists(stop) and time.monotonic() - t0 < 20:
	    time.sleep(0.05)
	    drain()
	    if not said and len(reasons) > 0 and all(len(t) > 0 for t in tokens):
	        print("squatting", flush=True)
	        said = True
	    # 10 a second from each address, about twice what the rate allows:
	    # names not yet accepted, and every fourth time one that was
	    for a in range(2):
	        pick = [j for j in range(64) if (j in tokens[a]) == (k % 4 == 0)]
	        if pick:
	            login(a, pick[k % len(pick)])
	    k += 1
	drain()
	# accepted before the first of them could lapse (10 s): at once, then
	for a in range(2):
	    print("accepted", a, sum(1 for t in tokens[a].values() if t[1] - t0 < 9))
	for r, n in reasons.items():
	    print("reject", n, r)
	EOF
	PIDS+=("$!")
	wait_for "$T/squat.out" '^squatting$' 10 || fail "no squat: $(cat "$T/squat.out")"
	pending=$(server_stat pending)
	[ "$pending" -le 16 ] || fail "$pending logins pending from two addresses"
	start_client carol
	say carol '/msg alice in through the squat'
	wait_for "$T/alice.out" '<carol> in through the squat$' || fail "chat"
	touch "$T/stop"
	wait_for "$T/squat.out" '^reject ' || fail "squatters: $(cat "$T/squat.out")"
	for a in 0 1; do
		n=$(awk -v a=$a '$1 == "accepted" && $2 == a { print $3 }' "$T/squat.out")
		[ "$n" -le 8 ] || fail "address $a had $n logins pending at once: $(cat "$T/squat.out")"
	done
	grep -q '^reject [0-9]* too many logins pending from your address$' "$T/squat.out" ||
		fail "reason: $(cat "$T/squat.out")"
	echo "    pending $pending; $(tr '\n' ';' <"$T/squat.out")"
}

# A login sent again (its Accept lost) gets the same token, but no longer
# life: the token lapses 10 s after the first login however late the last.
t_resent_login_keeps_its_first_expiry() {
	start_server
	start_client alice --insecure # no key: the roster line as python reads it
	python3 - "$PORT" "$(udp_port alice)" >"$T/py.out" 2>&1 <<-'EOF' || fail "$(cat "$T/py.out")"
	import socket, sys, time
	port, alice = int(sys.argv[1]), int(sys.argv[2])
	socks = {}
	def login(name):
	    u = socks.setdefault(name, socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
	    u.settimeout(5)
	    if u.getsockname()[1] == 0:
	        u.bind(("127.0.0.1", 0))
	    u.sendto(("login,%s,127.0.0.1:%d" % (name, u.getsockname()[1])).encode(), ("127.0.0.1", port))
	    return u.recv(2000).decode()
	def hello(name, token):
	    t = socket.create_connection(("127.0.0.1", port), timeout=5)
	    t.sendall(("hello,%s,%s\n" % (name, token)).encode())
	    try:
	        return t, t.recv(2000)
	    except ConnectionResetError:
	        return t, b""
	first = login("late"), login("ctl")
	t0 = time.monotonic() # the server took both logins before now
	time.sleep(8)
	again = login("late"), login("ctl")
	assert again == first, (first, again)
	# still valid, 8.x s after the first: the control opens its session
	t, got = hello("ctl", first[1].split(",")[2])
	assert got == b"alice,127.0.0.1:%d;end\n" % alice, got
	time.sleep(max(0, t0 + 10.2 - time.monotonic()))
	t, got = hello("late", first[0].split(",")[2])
	assert got == b"", "a token opened a session %.1f s after its first login" % (time.monotonic() - t0)
	print("ok")
	EOF
	grep -qx ok "$T/py.out" || fail "$(cat "$T/py.out")"
	grep -q 'ctl logged in' "$T/server.log" || fail "the control did not log in"
	grep -q 'late logged in' "$T/server.log" && fail "late logged in"
	return 0
}
