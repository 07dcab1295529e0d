/*
 * loop.c: what the two modes share below main: the loop that drives a
 * mode, the signals that stop it, and the log.  main sits above it; the
 * modes call into it and nothing here calls back up.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "net.h"
#include "p2pchat.h"

#define TICK 1000 /* ms: the longest poll, so a signal that lands just before poll is not lost for long */

int verbose;
static int stamped; /* log lines begin with the time */
static void (*shown)(const char *line); /* where log lines go instead, on a screen */
static volatile sig_atomic_t got_signal;

void
log_times(int on)
{
	stamped = on;
}

void
log_show(void (*show)(const char *line))
{
	shown = show;
}

void
vlogmsg(const char *f, va_list ap)
{
	char line[1024], when[32] = "";
	struct tm tm;
	time_t t;

	if (stamped && (t = time(NULL)) != (time_t)-1 && gmtime_r(&t, &tm) != NULL)
		fmt(when, sizeof(when), "%d-%02d-%02dT%02d:%02d:%02dZ ", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	vfmt(line, sizeof(line), f, ap);
	if (shown != NULL)
		shown(line);
	else
		fmt_line(STDERR_FILENO, "%sp2pchat: %s", when, line);
}

void
logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(fmt, ap);
	va_end(ap);
}

void
debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vlogmsg(fmt, ap);
	va_end(ap);
}

void
hush_tick(struct hush *h, long long now, const char *what)
{
	if (now - h->t < HUSH_PERIOD)
		return;
	if (h->hushed > 0)
		logmsg("%d more %s suppressed", h->hushed, what);
	h->t = now;
	h->said = h->hushed = 0;
}

int
hush_ok(struct hush *h, long long now, const char *what)
{
	hush_tick(h, now, what);
	if (h->said < HUSH_LINES) {
		h->said++;
		return 1;
	}
	h->hushed++;
	return 0;
}

static void
on_signal(int sig)
{
	got_signal = sig;
}

int
loop_run(const struct mode *md, void *m)
{
	struct net_poller *p;
	int timeout;

	for (;;) {
		if (got_signal) {
			got_signal = 0;
			md->stop(m);
		}
		if ((p = md->prepare(m, net_now(), &timeout)) == NULL)
			return 0;
		if (timeout < 0 || timeout > TICK)
			timeout = TICK;
		if (net_poller_wait(p, timeout) == -1 && errno != EINTR) {
			logmsg("poll: %s", strerror(errno));
			return -1;
		}
		md->dispatch(m, net_now());
	}
}

void
loop_signals(void)
{
	struct sigaction sa;
	int sigs[] = { SIGINT, SIGTERM, SIGHUP }, i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++) {
		/* keep SIGHUP ignored under nohup */
		if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN && sigs[i] == SIGHUP)
			continue;
		sa.sa_handler = on_signal;
		sa.sa_flags = 0;
		sigaction(sigs[i], &sa, NULL);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL); /* a closed peer is an error return, not a death */
	sigaction(SIGTTIN, &sa, NULL); /* a backgrounded server reading a tty gets EIO */
}
