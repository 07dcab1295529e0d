# tests/it_terminal.sh: the client on a real terminal (tmux), read off the
# screen as a user reads it: the input row survives what comes in, the
# editor agrees with what is sent, pastes are held and sent as chat, and
# the terminal is given back as it was on every way out; sourced by
# tests/integration.sh.

# tty_shell WINDOW: an interactive shell in a tmux window of 80 by 24,
# with its `stty -g` in $T/WINDOW.stty0.
tty_shell() {
	command -v tmux >/dev/null || skip "needs tmux"
	TMUX_S=$T/tmux.sock
	tmux -S "$TMUX_S" new-session -d -s "$1" -x 80 -y 24 \
		"env PS1='$ ' HOME=$T TERM=xterm-256color bash --norc --noprofile -i" || fail "tmux"
	PIDS+=("$(tmux -S "$TMUX_S" display -p -t "$1" '#{pid}')")
	SESSIONS+=("$(tmux -S "$TMUX_S" display -p -t "$1" '#{pane_pid}')")
	tmux -S "$TMUX_S" send-keys -t "$1" "stty -g >$T/$1.stty0" Enter
	wait_for "$T/$1.stty0" . || fail "no shell in tmux"
}

# tty_run WINDOW NAME [ENV=VALUE...]: NAME's client run from the shell,
# which then records its exit status and `stty -g` in $T/WINDOW.status and
# .stty1 (tty_exited reads them).
tty_run() {
	local win=$1 name=$2
	shift 2
	rm -f "$T/$win.status" "$T/$win.stty1"
	# (in a shell of its own: an interactive one sets the terminal back by
	# itself after a job that a signal killed, which would hide a crash's)
	tmux -S "$TMUX_S" send-keys -t "$win" "sh -c 'env XDG_CONFIG_HOME=$T/cfg/$name $* $BIN --login $name $SERVER_ADDR:$PORT 2>$T/$win.err; echo \$? >$T/$win.status; stty -g >$T/$win.stty1'" Enter
}

# tty_kill WINDOW SIGNAL: signal the client running in WINDOW (only that
# one: the terminal's session is the window's).
tty_kill() {
	pkill -"$2" -s "$(tmux -S "$TMUX_S" display -p -t "$1" '#{pane_pid}')" -f -- "^$BIN --login" ||
		fail "no client in $1 to signal"
}

# tty_start NAME [ENV=VALUE...]: NAME's client on the terminal, logged in.
tty_start() {
	tty_shell "$1"
	tty_run "$1" "$@"
	wait_screen "$1" "logged in as $1" || fail "$1 did not log in: $(tty_screen "$1")"
}

# tty_exited WINDOW: once the client has ended: its exit status in $STATUS.
tty_exited() {
	wait_for "$T/$1.stty1" . || fail "the client in $1 did not end: $(tty_screen "$1")"
	STATUS=$(cat "$T/$1.status")
}

# tty_keys NAME KEY...: keys typed, as tmux names them.
tty_keys() {
	local name=$1
	shift
	tmux -S "$TMUX_S" send-keys -t "$name" "$@"
}

# tty_text NAME TEXT: text typed as it is.
tty_text() {
	tmux -S "$TMUX_S" send-keys -t "$1" -l "$2"
}

# tty_paste NAME FILE: FILE pasted, as a terminal pastes (bracketed).
tty_paste() {
	tmux -S "$TMUX_S" load-buffer "$2" && tmux -S "$TMUX_S" paste-buffer -p -t "$1"
}

tty_screen() {
	tmux -S "$TMUX_S" capture-pane -p -t "$1" ${2:+"$2"} # (trailing blanks are not shown)
}

# wait_screen NAME REGEX [SECONDS]: until a row of NAME's screen matches.
wait_screen() {
	local name=$1 re=$2 limit=${3:-$LIMIT} end
	end=$(($(date +%s%N) / 1000000 + limit * 1000))
	while (($(date +%s%N) / 1000000 < end)); do
		tty_screen "$name" | grep -Eq -- "$re" && return 0
		sleep 0.05
	done
	echo "    timed out after ${limit}s waiting for /$re/ on $name's screen:" >&2
	tty_screen "$name" | sed 's/^/    | /' >&2
	return 1
}

# the bottom row of NAME's screen, as shown
tty_input() {
	tty_screen "$1" | awk 'NF { last = $0 } END { print last }'
}

# a server, bob in line mode and alice on the terminal, alice's lines to bob
tty_pair() {
	start_server
	start_client bob
	tty_start alice "$@"
	wait_for "$T/bob.out" '^\* alice is online$' || fail "bob did not hear of alice"
	tty_text alice "/to bob"
	tty_keys alice Enter
	wait_screen alice '\* lines go to bob$' || fail "/to"
}

t_tty_half_typed_line_survives_incoming() {
	tty_pair
	tty_text alice "this is a half-typed li"
	wait_screen alice '^\[bob\] this is a half-typed li$' || fail "the input row"
	for i in one two three; do
		say bob "/msg alice message $i"
	done
	wait_screen alice '<bob> message three$' || fail "the messages"
	[ "$(tty_input alice)" = "[bob] this is a half-typed li" ] || fail "input row after: $(tty_input alice)"
	tty_text alice "ne"
	tty_keys alice Enter
	wait_for "$T/bob.out" '<alice> this is a half-typed line$' || fail "bob got: $(cat "$T/bob.out")"
	wait_screen alice '<alice -> bob> this is a half-typed line ✓$' || fail "no echo of alice's own line"
	[ "$(tty_input alice)" = "[bob]" ] || fail "the input row was not cleared: $(tty_input alice)"
}

# One's own lines are marked when the peer has them, not before; a line
# to everyone once everyone has it; and a message to everyone is told
# apart from a private one where it arrives (line mode shows both as ever).
t_tty_own_lines_marked_when_delivered_and_all_told_apart() {
	tty_pair
	start_client carol
	wait_screen alice '3 online|2 online' || fail "status: $(tty_screen alice)"
	tty_text alice "first"
	tty_keys alice Enter
	wait_screen alice '^\[[0-9:]{5}\] <alice -> bob> first ✓$' || fail "no mark on a delivered line"
	kill -STOP "${CPID[bob]}"
	tty_text alice "second"
	tty_keys alice Enter
	wait_screen alice '1 unacknowledged' || fail "status while bob is stopped"
	tty_screen alice | grep -q '<alice -> bob> second$' || fail "marked before bob had it: $(tty_screen alice)"
	kill -CONT "${CPID[bob]}"
	wait_screen alice '<alice -> bob> second ✓$' 10 || fail "no mark once bob had it"
	wait_for "$T/bob.out" '<alice> second$' || fail "bob"
	tty_text alice "/all hello all"
	tty_keys alice Enter
	wait_screen alice '<alice -> everyone> hello all ✓$' || fail "/all: no mark"
	wait_for "$T/bob.out" '^\[[0-9:]{8}\] <alice> hello all$' || fail "/all in line mode: $(tail -n 1 "$T/bob.out")"
	wait_for "$T/carol.out" '^\[[0-9:]{8}\] <alice> hello all$' || fail "/all in line mode: $(tail -n 1 "$T/carol.out")"
	say bob "/all from bob to all"
	say bob "/msg alice from bob to alice"
	wait_screen alice '^\[[0-9:]{5}\] <bob -> everyone> from bob to all$' || fail "/all from bob"
	wait_screen alice '^\[[0-9:]{5}\] <bob> from bob to alice$' || fail "private from bob"
}

# Ctrl-C says what quitting waits for; a second one leaves at once (well
# inside the 5 s the first would wait), reporting what was not delivered.
t_tty_second_ctrl_c_leaves_at_once() {
	tty_pair
	kill -STOP "${CPID[bob]}"
	tty_text alice "are you there"
	tty_keys alice Enter
	wait_screen alice '1 unacknowledged' || fail "status while bob is stopped"
	tty_keys alice C-c
	wait_screen alice 'waiting up to 5 s for chat not yet acknowledged' || fail "no word of the wait"
	tty_keys alice C-c
	wait_for "$T/alice.stty1" . 3 || fail "a second Ctrl-C did not leave at once"
	kill -CONT "${CPID[bob]}"
	grep -q 'not delivered to bob: "are you there"' "$T/alice.err" || fail "$(cat "$T/alice.err")"
	cmp -s "$T/alice.stty0" "$T/alice.stty1" || fail "the terminal was not given back"
}

t_tty_editing_wide_characters_agrees_with_what_is_sent() {
	tty_pair
	tty_text alice "你好世界"
	tty_keys alice BSpace BSpace
	wait_screen alice '^\[bob\] 你好$' || fail "two Backspaces"
	tty_text alice "世界"
	tty_keys alice Left Left
	tty_text alice "X"
	tty_keys alice Right Right C-a Right
	tty_text alice "Y"
	tty_keys alice End
	tty_text alice " abc def"
	tty_keys alice C-w
	wait_screen alice '^\[bob\] 你Y好X世界 abc$' || fail "the editor"
	tty_keys alice Enter
	wait_for "$T/bob.out" '<alice> 你Y好X世界 abc $' || fail "bob got: $(tail -n 2 "$T/bob.out")"
	tty_text alice "abc"
	tty_keys alice Left Left
	tty_text alice "X"
	tty_keys alice Enter
	wait_for "$T/bob.out" '<alice> aXbc$' || fail "arrow keys went as text: $(tail -n 2 "$T/bob.out" | od -c | head)"
}

t_tty_history_and_tab_completion() {
	start_server
	start_client carol
	tty_start alice
	tty_text alice "/to ca"
	tty_keys alice Tab
	wait_screen alice '^\[/to NAME\] /to carol$' || fail "Tab did not complete the name"
	tty_keys alice Enter
	wait_screen alice '\* lines go to carol$' || fail "/to after Tab"
	tty_text alice "/wh"
	tty_keys alice Tab
	wait_screen alice '^\[carol\] /who$' || fail "Tab did not complete the command"
	tty_keys alice Enter
	wait_screen alice '\* 1 online: carol$' || fail "/who"
	tty_text alice "first line"
	tty_keys alice Enter
	wait_for "$T/carol.out" '<alice> first line$' || fail "the first line"
	tty_keys alice Up Up
	wait_screen alice '^\[carol\] /who$' || fail "Up twice"
	tty_keys alice Down
	wait_screen alice '^\[carol\] first line$' || fail "Down"
	tty_keys alice Enter
	wait_count "$T/carol.out" '<alice> first line$' 2 || fail "the line again from the history"
}

t_tty_paste_is_held_and_sent_as_chat() {
	local i
	tty_pair
	for i in $(seq 1 50); do
		[ "$i" = 25 ] && echo "/quit" || echo "pasted line $i"
	done >"$T/paste"
	tty_paste alice "$T/paste"
	wait_screen alice '^\[paste: 50 lines: Enter sends, Esc drops\]' || fail "the paste is not held"
	grep -q 'pasted' "$T/bob.out" && fail "sent before Enter"
	tty_keys alice Enter
	wait_count "$T/bob.out" '<alice> pasted line [0-9]+$' 49 || fail "bob got $(grep -c pasted "$T/bob.out") lines"
	wait_for "$T/bob.out" '<alice> /quit$' || fail "the pasted /quit was not sent as text"
	grep -Eo '<alice> (pasted line [0-9]+|/quit)$' "$T/bob.out" | sed 's/<alice> //; s/pasted line //; s|^/quit$|25|' >"$T/order"
	[ "$(tr '\n' ' ' <"$T/order")" = "$(seq 1 50 | tr '\n' ' ')" ] || fail "out of order: $(tr '\n' ' ' <"$T/order")"
	tty_text alice "still here"
	tty_keys alice Enter
	wait_for "$T/bob.out" '<alice> still here$' || fail "the pasted /quit ran"
	# a paste dropped with Escape sends nothing
	tty_paste alice "$T/paste"
	wait_screen alice '^\[paste: 50 lines' || fail "the second paste"
	tty_keys alice Escape
	wait_screen alice '^\[bob\]$' || fail "Escape did not drop the paste"
	tty_text alice "after the drop"
	tty_keys alice Enter
	wait_for "$T/bob.out" '<alice> after the drop$' || fail "the line after the drop"
	[ "$(grep -c '<alice> pasted line 1$' "$T/bob.out")" = 1 ] || fail "the dropped paste was sent"
}

t_tty_long_line_arrives_whole() {
	tty_pair
	head -c 8000 /dev/zero | tr '\0' 'x' >"$T/long"
	tty_paste alice "$T/long"
	wait_screen alice 'xxxxxxxx$' || fail "the long line is not in the input"
	tty_keys alice Enter
	wait_for "$T/bob.out" "<alice> x{8000}$" || fail "bob got $(grep -o 'x*$' "$T/bob.out" | tail -n 1 | wc -c) bytes"
	# one over the limit is refused in the editor, with a word, nothing cut
	head -c 8300 /dev/zero | tr '\0' 'y' >"$T/longer"
	tty_paste alice "$T/longer"
	wait_screen alice 'not pasted: the line is full: 8192 bytes of text at most' || fail "no word of a line over the limit"
	tty_screen alice | grep -q yyy && fail "part of the paste went in"
	return 0
}

t_tty_resize_and_suspend_redraw() {
	start_server
	start_client bob
	tty_shell alice
	tty_keys alice "env XDG_CONFIG_HOME=$T/cfg/alice $BIN --login alice $SERVER_ADDR:$PORT 2>$T/alice.err" Enter
	wait_screen alice "logged in as alice" || fail "alice did not log in"
	tty_text alice "/to bob"
	tty_keys alice Enter
	wait_screen alice '\* lines go to bob$' || fail "/to"
	tty_text alice "typed"
	tmux -S "$TMUX_S" resize-window -t alice -x 60 -y 15
	wait_screen alice '^\[bob\] typed$' || fail "after a resize"
	[ "$(tty_screen alice | wc -l)" = 15 ] || fail "the window is not 15 rows"
	tty_screen alice | sed -n '14p' | grep -q 'alice | 1 online' || fail "the status row is not above the input: $(tty_screen alice)"
	tty_keys alice C-z
	wait_screen alice 'Stopped' || fail "Ctrl-Z did not give the shell back"
	tty_text alice "fg"
	tty_keys alice Enter
	wait_screen alice '^\[bob\] typed$' || fail "fg did not draw the screen again"
	tty_keys alice Enter
	wait_for "$T/bob.out" '<alice> typed$' || fail "after fg"
}

# every way out gives the terminal back as it was
t_tty_terminal_is_given_back() {
	local how
	start_server
	start_client bob
	for how in quit ctrl-c sigterm crash; do
		tty_start alice
		case $how in
		quit) tty_text alice "/quit"; tty_keys alice Enter ;;
		ctrl-c) tty_keys alice C-c ;;
		sigterm) tty_kill alice TERM ;;
		crash) tty_kill alice SEGV ;; # as a crash anywhere would
		esac
		tty_exited alice
		[ "$STATUS" = "$([ $how = crash ] && echo 139 || echo 0)" ] || fail "$how: exit status $STATUS"
		cmp -s "$T/alice.stty0" "$T/alice.stty1" || fail "$how: the terminal was not given back"
		tmux -S "$TMUX_S" kill-session -t alice
		rm -f "$T/alice.stty1"
	done
	# a login the server refuses: the name is taken
	tty_shell bob2
	tty_run bob2 bob
	tty_exited bob2
	[ "$STATUS" = 1 ] || fail "a refused login: exit status $STATUS"
	cmp -s "$T/bob2.stty0" "$T/bob2.stty1" || fail "a refused login did not give the terminal back"
	grep -q 'login refused' "$T/bob2.err" || fail "$(cat "$T/bob2.err")"
}

t_tty_colour_and_no_colour() {
	tty_pair
	say bob "/msg alice in colour"
	wait_screen alice '<bob> in colour$' || fail "no message"
	tty_screen alice -e | grep -q $'\e\\[3[1-6]m' || fail "no colour for bob's name"
	tmux -S "$TMUX_S" kill-session -t alice
	tty_start alice NO_COLOR=1
	say bob "/msg alice without"
	wait_screen alice '<bob> without$' || fail "no message with NO_COLOR"
	! tty_screen alice -e | grep -q $'\e\\[3[1-6]m' || fail "colour with NO_COLOR"
}

# TERM=dumb (and pipes, as every other test) keep line mode
t_tty_dumb_terminal_keeps_line_mode() {
	start_server
	start_client bob
	command -v tmux >/dev/null || skip "needs tmux"
	TMUX_S=$T/tmux.sock
	tmux -S "$TMUX_S" new-session -d -s alice -x 80 -y 24 \
		"env TERM=dumb XDG_CONFIG_HOME=$T/cfg/alice $BIN --login alice $SERVER_ADDR:$PORT; sleep 30" || fail "tmux"
	PIDS+=("$(tmux -S "$TMUX_S" display -p -t alice '#{pid}')")
	SESSIONS+=("$(tmux -S "$TMUX_S" display -p -t alice '#{pane_pid}')")
	wait_screen alice '^\* logged in as alice; 1 online: bob$' || fail "line mode's first line"
	tty_text alice "/msg bob plain"
	tty_keys alice Enter
	wait_for "$T/bob.out" '<alice> plain$' || fail "not sent"
	! tty_screen alice | grep -q '^\[/to NAME\]' || fail "a screen on TERM=dumb"
}
