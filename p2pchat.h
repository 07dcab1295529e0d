/*
 * p2pchat.h: what main shares with the two modes: the options, the modes,
 * and what loop.c gives both: the log and the loop that drives a mode.
 */
#ifndef P2P_P2PCHAT_H
#define P2P_P2PCHAT_H

#include <stdarg.h>
#include <stdint.h>

#define P2P_VERSION "0.1"

struct opts {
	const char *name;   /* --login NAME */
	const char *host;   /* server host (client) or -b address (server), or NULL */
	uint16_t port;      /* server port; 0 lets the system choose (server) */
	uint16_t lport;     /* -P: the client's UDP port, 0 for any */
	int max_users;      /* -m */
	int verbose;        /* -v */
	int no_relay;       /* -R: the server relays no chat */
	const char *identity; /* -i: the client's key file, instead of the default */
	int insecure;       /* -I: no encryption: chat in the clear with peers who ask for it too */
	int plain;          /* --plain: lines in and out, even on a terminal */
};

struct net_poller;

/* A mode (server or client) as the loop sees it. */
struct mode {
	/* Set what to wait for and the timeout in ms (-1: none); returns the
	 * poller to wait on, or NULL when the mode has finished. */
	struct net_poller *(*prepare)(void *m, long long now, int *timeout);
	/* Handle what the poller reported, and any timer that is due. */
	void (*dispatch)(void *m, long long now);
	/* SIGINT, SIGTERM or SIGHUP arrived. */
	void (*stop)(void *m);
};

extern int verbose;

/* Log lines begin with their time (ISO 8601, UTC) from now on, or not. */
void log_times(int on);
/* Log lines go to show (the screen, which would be garbled by stderr), or
 * with NULL back to stderr. */
void log_show(void (*show)(const char *line));
/* One line "p2pchat: ..." on stderr. */
void logmsg(const char *fmt, ...);
void vlogmsg(const char *fmt, va_list ap);
/* The same, only with -v. */
void debug(const char *fmt, ...);

/* Log lines of one cause, limited: HUSH_LINES a period, then a count. */
#define HUSH_LINES  10
#define HUSH_PERIOD 10000 /* ms */
struct hush {
	long long t;        /* the start of this period */
	int said, hushed;   /* lines said in it, and held back */
};
/* May a line of this cause be said now?  When a period that held lines
 * back has ended, first says "N more WHAT suppressed". */
int hush_ok(struct hush *h, long long now, const char *what);
/* From a timer: say the count of a period that has ended. */
void hush_tick(struct hush *h, long long now, const char *what);
/* Catch SIGINT, SIGTERM and SIGHUP for loop_run (SIGHUP not under nohup);
 * ignore SIGPIPE and SIGTTIN. */
void loop_signals(void);
/* Run a mode until it finishes: 0, or -1 if waiting failed. */
int loop_run(const struct mode *md, void *m);

/* The server: the exit status. */
int server_run(const struct opts *o);
/* The client: the exit status. */
int client_run(const struct opts *o);
/* What the two run, apart (the fuzz harnesses drive them with fake
 * sockets): a mode set up for loop_run, NULL after a log line; its loop;
 * and the end, which frees it (the client's: its exit status). */
void *server_open(const struct opts *o);
extern const struct mode server_mode;
void server_close(void *sv);
void *client_open(const struct opts *o);
extern const struct mode client_mode;
int client_close(void *c);

#endif
