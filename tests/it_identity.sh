# tests/it_identity.sh: the keys' files.  The configuration directory, the
# identity and known_peers are trusted only when they are the user's and
# closed to others, known_peers is never reached through a link and stays
# bounded, and /accept pins exactly the key whose safety number the user
# compared.  Sourced by tests/integration.sh.

# refuses_to_start NAME LINE: a client NAME, with the configuration of
# start_client, exits 1 before it logs in, and LINE is all it says.
refuses_to_start() {
	local st
	XDG_CONFIG_HOME=$T/cfg/$1 timeout 10 "${CBIN:-$BIN}" --login "$1" "$SERVER_ADDR:$PORT" </dev/null >"$T/o" 2>"$T/e"
	st=$?
	[ "$st" = 1 ] || fail "$1 exits $st, not 1: $(cat "$T/o" "$T/e")"
	[ "$(cat "$T/e")" = "p2pchat: $2" ] || fail "$1 says: $(cat "$T/e"), not: p2pchat: $2"
	grep -q 'logged in' "$T/o" && fail "$1 logged in: $(cat "$T/o")"
	return 0
}

# restart NAME: quit the client NAME and start it again.
restart() {
	say "$1" /quit
	wait_exit "${CPID[$1]}" || fail "$1 did not quit"
	rm -f "$T/$1.out"
	start_client "$1"
}

# known_peers as a symbolic link: refused at start (the link is not
# followed, so the file it names is not opened), and a link put there while
# the client runs takes no pin: chat is refused instead
t_e2e_known_peers_link_is_refused_and_not_followed() {
	local d=$T/cfg/alice/p2pchat
	local why="$d/known_peers is a symbolic link, which is not followed: put the file itself in its place"
	start_server
	mkdir -p "$d"
	chmod 700 "$d"
	printf 'bob %064d\n' 0 >"$T/bait"
	cp "$T/bait" "$T/bait.orig"
	ln -s "$T/bait" "$d/known_peers"
	refuses_to_start alice "$why"
	cmp -s "$T/bait" "$T/bait.orig" || fail "the link's target was written: $(cat "$T/bait")"
	rm "$d/known_peers"
	start_client alice
	ln -s "$T/made" "$d/known_peers" # a file that does not exist: appending would make it
	start_client bob
	say alice '/msg bob through the link?'
	wait_for "$T/alice.err" "^p2pchat: $why: chat with bob refused\$" || fail "alice: $(cat "$T/alice.err")"
	[ -e "$T/made" ] && fail "a pin went through the link: $(cat "$T/made")"
	grep -q 'through the link' "$T/bob.out" && fail "sent without a pin"
	return 0
}

# a configuration directory or known_peers that others may write, or an
# identity others may read, is refused at start with a line saying the fix
t_e2e_keys_files_open_to_others_are_refused() {
	local d=$T/cfg/alice/p2pchat m
	start_server
	start_client alice
	say alice /quit
	wait_exit "${CPID[alice]}" || fail "alice did not quit"
	for m in 770 702 1777; do
		chmod "$m" "$d"
		refuses_to_start alice "$d is writable by others: chmod go-w $d"
	done
	chmod 755 "$d" # others may look: the private key is closed on its own
	: >"$d/known_peers"
	for m in 620 606; do
		chmod "$m" "$d/known_peers"
		refuses_to_start alice "$d/known_peers is writable by others: chmod go-w $d/known_peers"
	done
	chmod 644 "$d/known_peers" # public keys: others may read them
	for m in 640 604; do
		chmod "$m" "$d/identity"
		refuses_to_start alice "$d/identity is open to others: chmod 600 $d/identity"
	done
	chmod 600 "$d/identity"
	rm -f "$T/alice.out"
	start_client alice
}

# files of another user are refused, though they be closed to others
t_e2e_keys_files_of_another_user_are_refused() {
	local d=$T/cfg/alice/p2pchat f nobody
	[ "$(id -u)" = 0 ] || skip "needs root to give a file to another user"
	nobody=$(id -u nobody 2>/dev/null) || skip "needs a user nobody"
	start_server
	start_client alice
	say alice /quit
	wait_exit "${CPID[alice]}" || fail "alice did not quit"
	: >"$d/known_peers"
	chmod 600 "$d/known_peers"
	for f in "$d" "$d/identity" "$d/known_peers"; do
		chown nobody "$f"
		refuses_to_start alice "$f belongs to uid $nobody, not to you: chown 0 $f"
		chown 0 "$f"
	done
	rm -f "$T/alice.out"
	start_client alice
}

# /accept pins exactly the key whose safety number was compared: the key
# "bob" proves changes (as a server swapping keys would make it) after the
# first warning, and that warning's number then pins nothing
t_e2e_accept_pins_only_the_compared_key() {
	local kp=$T/cfg/alice/p2pchat/known_peers k n1 n2 key
	start_server
	start_client alice
	start_client bob
	say alice '/msg bob hello bob'
	wait_for "$T/bob.out" '<alice> hello bob$' || fail "first chat"
	for k in 1 2; do
		say bob /quit
		wait_exit "${CPID[bob]}" || fail "bob did not quit"
		wait_count "$T/alice.out" '^\* bob left$' "$k" || fail "bob's logout"
		rm -f "$T/bob.out"
		start_client bob -i "$T/mallory$k.key"
		say alice "/msg bob number $k"
		wait_count "$T/alice.out" '^\* WARNING: bob proved a key that is not the one pinned' "$k" 10 ||
			fail "no warning $k: $(cat "$T/alice.out")"
	done
	n1=$(grep -Eo 'then /accept bob [0-9 ]{35}$' "$T/alice.out" | sed -n 1p | cut -d' ' -f4-)
	n2=$(grep -Eo 'then /accept bob [0-9 ]{35}$' "$T/alice.out" | sed -n 2p | cut -d' ' -f4-)
	[ -n "$n1" ] && [ -n "$n2" ] && [ "$n1" != "$n2" ] || fail "the warnings' numbers: '$n1', '$n2'"
	cp "$kp" "$T/kp.before"
	say alice '/accept bob'
	wait_for "$T/alice.err" "^p2pchat: usage: /accept bob SAFETY-NUMBER, once you have compared $n2 with bob\$" ||
		fail "/accept NAME: $(cat "$T/alice.err")"
	say alice "/accept bob $n1"
	wait_for "$T/alice.err" "^p2pchat: nothing pinned: the safety number of bob's refused key is now $n2, not the one typed\$" ||
		fail "/accept with the first number: $(cat "$T/alice.err")"
	cmp -s "$kp" "$T/kp.before" || fail "pinned without the number: $(cat "$kp")"
	grep -q 'number 2' "$T/bob.out" && fail "sent before the key was accepted"
	say alice "/accept bob ${n2// /}"
	wait_for "$T/alice.out" "^\* bob's new key is pinned; safety number $n2\$" || fail "/accept with the number: $(cat "$T/alice.err")"
	wait_for "$T/bob.out" '<alice> number 2$' 10 || fail "chat does not go on"
	say bob /fingerprint
	wait_for "$T/bob.out" '^\* your key: [0-9a-f]{64}$' || fail "bob's key"
	key=$(grep -Eo '^\* your key: [0-9a-f]{64}$' "$T/bob.out" | cut -d' ' -f4)
	[ "$(tail -n 1 "$kp")" = "bob $key" ] || fail "known_peers: $(cat "$kp")"
}

# known_peers stays bounded: a file of thousands of superseded lines is
# written again with its live lines only at the next pin, and they hold
t_e2e_known_peers_is_compacted_when_mostly_superseded() {
	local d=$T/cfg/alice/p2pchat kp=$T/cfg/alice/p2pchat/known_peers
	mkdir -p "$d"
	chmod 700 "$d"
	awk 'BEGIN { for (i = 1; i <= 3000; i++) {
		printf "zed %064x\n", i
		if (i == 1500) printf "carol %064d\nnot a pin\n", 7
	} }' >"$kp"
	start_server
	start_client alice
	start_client bob
	say alice '/msg bob hi'
	wait_for "$T/bob.out" '<alice> hi$' || fail "chat"
	grep -q "^\* bob's key is pinned" "$T/alice.out" || fail "bob not pinned: $(cat "$T/alice.out" "$T/alice.err")"
	[ "$(wc -l <"$kp")" = 3 ] || fail "known_peers holds $(wc -l <"$kp") lines"
	grep -qx "zed $(printf '%064x' 3000)" "$kp" && grep -qx "carol $(printf '%064d' 7)" "$kp" &&
		grep -Eqx 'bob [0-9a-f]{64}' "$kp" || fail "known_peers: $(cat "$kp")"
	[ "$(stat -c %a "$kp")" = 600 ] || fail "known_peers' mode: $(stat -c %a "$kp")"
	[ -z "$(find "$d" -name 'known_peers?*')" ] || fail "left behind: $(find "$d" -name 'known_peers?*')"
	restart alice
	say alice '/msg bob again'
	wait_for "$T/bob.out" '<alice> again$' || fail "chat after the restart"
	grep -q 'WARNING\|pinned' "$T/alice.out" && fail "bob's pin did not hold: $(cat "$T/alice.out")"
	return 0
}

# known_peers holds at most 10000 names: one more is refused in a line,
# and a file that holds more does not start the client
t_e2e_known_peers_is_capped() {
	local d=$T/cfg/alice/p2pchat kp=$T/cfg/alice/p2pchat/known_peers
	local full="$kp is full (10000 names): remove the lines of peers you no longer meet, then start again"
	mkdir -p "$d"
	chmod 700 "$d"
	awk 'BEGIN { for (i = 0; i < 10000; i++) printf "n%d %064x\n", i, i }' >"$kp"
	start_server
	start_client alice
	start_client bob
	say alice '/msg bob one too many'
	wait_for "$T/alice.err" "^p2pchat: ${full//[()]/.}: chat with bob refused\$" || fail "alice: $(cat "$T/alice.err")"
	[ "$(wc -l <"$kp")" = 10000 ] || fail "known_peers holds $(wc -l <"$kp") lines"
	grep -q 'one too many' "$T/bob.out" && fail "sent without a pin"
	say alice /quit # it waits 5 s for the line pending to bob
	wait_exit "${CPID[alice]}" 10 || fail "alice did not quit"
	printf 'n10000 %064x\n' 1 >>"$kp"
	refuses_to_start alice "$full"
}
