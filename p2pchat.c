/*
 * p2pchat.c: main.  Reads the flags, refuses conflicting ones before anything
 * starts, and runs the chosen mode in the loop (loop.c).  Only this file
 * exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fmt.h"
#include "net.h"
#include "p2pchat.h"
#include "proto.h"

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#error "the fuzz harnesses' cheap stand-in for X25519 (crypto.c) must never be in the program"
#endif

#define EXIT_USAGE 2


static const char usage_text[] =
    "usage: p2pchat --server [-vR] [-p PORT] [-b ADDR] [-m MAXUSERS]\n"
    "       p2pchat --login NAME [-vI] [-i FILE] [-P LOCALPORT] [--plain] [HOST[:PORT]]\n";

static const char help_text[] =
    "p2pchat: hybrid peer-to-peer chat; the server only coordinates.\n"
    "\n"
    "  --server, -s          run the coordinator\n"
    "    -p, --port PORT     UDP and TCP port (default 20000; 0: any free port)\n"
    "    -b, --bind ADDR     listen on ADDR only (default: every IPv4 and IPv6 address)\n"
    "    -m, --max-users N   at most N users online (default 1000)\n"
    "    -R, --no-relay      carry no chat for peers that no direct path joins\n"
    "  --login NAME, -l NAME log in as NAME to HOST (default localhost:20000)\n"
    "    -P, --local-port N  chat from UDP port N (default: any)\n"
    "    -i, --identity FILE your key (default ~/.config/p2pchat/identity, made if missing)\n"
    "    -I, --insecure      no encryption: chat in the clear, only with --insecure peers\n"
    "        --plain         lines in and out, even on a terminal (no screen of its own)\n"
    "  -v, --verbose         log protocol detail on stderr\n"
    "  -h, --help            this text;  -V, --version  the version\n"
    "\n"
    "Client commands: /msg NAME TEXT, /to NAME, /all TEXT, /me ACTION, /who, /path NAME,\n"
    "/pending, /fingerprint [NAME], /accept NAME SAFETY-NUMBER, /help, /quit; a message\n"
    "holds up to 8192 bytes of UTF-8.\n"
    "Server commands: who, kick NAME [SECONDS], stats, quit.  See p2pchat(1).\n";

static void
usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(fmt, ap);
	va_end(ap);
	fmt_write(STDERR_FILENO, usage_text, strlen(usage_text));
	exit(EXIT_USAGE);
}

static void
help(void)
{
	fmt_write(STDOUT_FILENO, usage_text, strlen(usage_text));
	fmt_write(STDOUT_FILENO, help_text, strlen(help_text));
	exit(0);
}

/* Keep fds 0-2 open, so that no socket is ever mistaken for stdin or stderr. */
static void
std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* Every session is an fd: allow as many as the hard limit does. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? 1 << 20 : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		debug("cannot raise the limit of open files: %s", strerror(errno));
}

static long
number(const char *flag, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		usage("%s wants a number from %ld to %ld, not \"%s\"", flag, min, max, s);
	return v;
}

/* HOST, HOST:PORT, [V6]:PORT, [V6] or a bare IPv6 literal. */
static void
host_port(char *arg, struct opts *o)
{
	char *colon = strrchr(arg, ':'), *close;

	if (arg[0] == '[') {
		if ((close = strchr(arg, ']')) == NULL || (close[1] != '\0' && close[1] != ':'))
			usage("bad server address \"%s\"", arg);
		*close = '\0';
		o->host = arg + 1;
		if (close[1] == ':')
			o->port = (uint16_t)number("the server port", close + 2, 1, 65535);
	} else if (colon != NULL && strchr(arg, ':') == colon) {
		*colon = '\0';
		o->host = arg;
		o->port = (uint16_t)number("the server port", colon + 1, 1, 65535);
	} else {
		o->host = arg;
	}
	if (o->host[0] == '\0')
		usage("empty server host in \"%s\"", arg);
}

struct flag {
	const char *lng;
	char shrt;
	int arg;
};

static const struct flag flags[] = {
	{ "server", 's', 0 }, { "login", 'l', 1 }, { "port", 'p', 1 },
	{ "bind", 'b', 1 }, { "max-users", 'm', 1 }, { "local-port", 'P', 1 },
	{ "verbose", 'v', 0 }, { "help", 'h', 0 }, { "version", 'V', 0 }, { "no-relay", 'R', 0 },
	{ "identity", 'i', 1 }, { "insecure", 'I', 0 }, { "plain", '\001', 0 }, /* long only */
};

/* The short letter of the flag in argv[*i] at *pos, with its argument. */
static int
next_flag(int argc, char **argv, int *i, size_t *pos, char **arg)
{
	const char *a = argv[*i], *eq;
	size_t k, n = sizeof(flags) / sizeof(flags[0]);

	*arg = NULL;
	if (a[1] == '-') {
		eq = strchr(a, '=');
		for (k = 0; k < n; k++)
			if (strlen(flags[k].lng) == (size_t)((eq ? eq : a + strlen(a)) - (a + 2)) &&
			    strncmp(a + 2, flags[k].lng, strlen(flags[k].lng)) == 0)
				break;
		if (k == n)
			usage("unknown option %s", a);
		if (eq != NULL && !flags[k].arg)
			usage("--%s takes no value", flags[k].lng);
		*pos = 0;
		if (flags[k].arg)
			*arg = eq != NULL ? (char *)eq + 1 : ++*i < argc ? argv[*i] : NULL;
	} else {
		for (k = 0; k < n && flags[k].shrt != a[*pos]; k++)
			;
		if (k == n)
			usage("unknown option -%c", a[*pos]);
		(*pos)++;
		if (flags[k].arg) {
			*arg = a[*pos] != '\0' ? argv[*i] + *pos : ++*i < argc ? argv[*i] : NULL;
			*pos = 0;
		} else if (a[*pos] == '\0') {
			*pos = 0;
		}
	}
	if (flags[k].arg && *arg == NULL)
		usage("--%s needs a value", flags[k].lng);
	return flags[k].shrt;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	int i, server = 0, seen_p = 0, seen_b = 0, seen_m = 0, seen_R = 0, seen_P = 0, seen_i = 0, npos = 0;
	char *arg, *pos[2] = { NULL, NULL };
	size_t at;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			for (i++; i < argc; i++)
				pos[npos < 2 ? npos : 1] = argv[i], npos++;
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			pos[npos < 2 ? npos : 1] = argv[i], npos++;
			continue;
		}
		at = argv[i][1] == '-' ? 0 : 1; /* a long flag, or a cluster of short ones */
		do {
			switch (next_flag(argc, argv, &i, &at, &arg)) {
			case 's': server = 1; break;
			case 'l': o->name = arg; break;
			case 'p': o->port = (uint16_t)number("-p", arg, 0, 65535); seen_p = 1; break;
			case 'b': o->host = arg; seen_b = 1; break;
			case 'm': o->max_users = (int)number("-m", arg, 1, 100000); seen_m = 1; break;
			case 'P': o->lport = (uint16_t)number("-P", arg, 1, 65535); seen_P = 1; break;
			case 'v': verbose = o->verbose = 1; break;
			case 'R': o->no_relay = 1; seen_R = 1; break;
			case 'i': o->identity = arg; seen_i = 1; break;
			case 'I': o->insecure = 1; seen_i = 1; break;
			case '\001': o->plain = 1; seen_i = 1; break;
			case 'h': help(); break;
			case 'V': fmt_line(STDOUT_FILENO, "p2pchat " P2P_VERSION); exit(0);
			}
		} while (at != 0);
	}
	if (server == (o->name != NULL))
		usage(server ? "--server and --login exclude each other" : "choose --server or --login NAME");
	if (server) {
		if (npos > 0)
			usage("the server takes no argument \"%s\"", pos[0]);
		if (seen_P || seen_i)
			usage("-P, -i, -I and --plain are for a client");
		return;
	}
	if (seen_p || seen_b || seen_m || seen_R)
		usage("-p, -b, -m and -R are for the server; a client names it as HOST:PORT");
	if (npos > 1)
		usage("one server only, not \"%s\" too", pos[1]);
	if (o->insecure && o->identity != NULL)
		usage("--insecure uses no key: drop --identity");
	if (o->identity != NULL && o->identity[0] == '\0')
		usage("--identity needs a file name");
	if (!proto_valid_name(o->name, strlen(o->name))) {
		char esc[P2P_ESC_MAX(64)];

		proto_escape(o->name, strlen(o->name) > 64 ? 64 : strlen(o->name), esc, sizeof(esc));
		usage("invalid name \"%s\": 1 to %d bytes of UTF-8 letters, digits, '-', '_' "
		    "and '.'", esc, P2P_NAME_MAX);
	}
	if (npos == 1)
		host_port(pos[0], o);
}

int
main(int argc, char **argv)
{
	struct opts o;

	memset(&o, 0, sizeof(o));
	o.port = P2P_PORT;
	o.max_users = 1000;
	parse_args(argc, argv, &o);
	std_fds();
	loop_signals();
	raise_nofile();
	if (o.name != NULL) {
		if (o.host == NULL)
			o.host = "localhost";
		return client_run(&o);
	}
	log_times(getenv("JOURNAL_STREAM") == NULL);
	return server_run(&o);
}
