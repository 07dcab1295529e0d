#!/usr/bin/env bash
# tests/cross.sh ARCH...: `make cross-check`.  For each architecture built
# by `make cross`, run the unit tests and the core and reliable-delivery
# integration tests against its binary under qemu-user, then a mixed run in
# which its clients chat with a native client through a native server.
cd "$(dirname "$0")/.." || exit 2
core=t_three_clients_see_each_other,t_text_with_commas_and_chinese_arrives_intact
core+=,t_chat_goes_on_while_server_is_stopped,t_kill_9_client_is_seen_leaving
core+=,t_duplicate_name_is_refused,t_quit_removes_user_from_every_roster
core+=,t_client_driven_by_pipes,t_signals_log_the_client_out,t_notices_arrive_once_and_in_order
core+=,t_names_in_utf8,t_login_repeated_gets_the_same_answer,t_raw_protocol_and_udp_logout
core+=,t_spoofed_chat_is_not_shown,t_control_characters_are_shown_escaped
reliable=t_long_message_is_split_and_shown_whole,t_unacknowledged_message_is_given_up
reliable+=,t_restarted_peer_is_a_new_session,t_server_restart_everyone_comes_back
reliable+=,t_login_again_replaces_a_broken_session,t_client_that_never_reads_is_dropped
reliable+=,t_ns_30_percent_loss_1000_messages_each_way,t_ns_vanished_host_is_seen_leaving
builds=()
for arch in "$@"; do
	builds+=("$arch:cross/$arch/run:cross/$arch/unit-run::$core,$reliable")
	builds+=("$arch+native:./p2pchat:-:cross/$arch/run:x_mixed_architectures")
done
exec bash tests/run.sh "${builds[@]}"
