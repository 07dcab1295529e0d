/*
 * identity.c: the identity file and known_peers (identity.h).
 *
 * A key is only as good as the file it comes from, so the configuration
 * directory and both files are refused unless they are the effective
 * user's and closed to others' writes, each with one line saying what to
 * fix, and known_peers is opened without following links: a link there
 * would have pins read from, and lines appended to, a file of someone
 * else's choosing.  known_peers is read once, at start; a pin appends a
 * line, and once most of the file is superseded lines it is written again
 * whole, so that it stays about as long as the pins it holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "fmt.h"
#include "identity.h"
#include "net.h"
#include "proto.h"

/* Is st, what path names, to be trusted: of the kind wanted, ours, and
 * with none of the bits of shut (022: others may not write it; 077: nor
 * read it)?  0, or -1 with err saying what to fix. */
static int
trusted(const struct stat *st, const char *path, int isdir, mode_t shut, char *err, size_t errsize)
{
	if (isdir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
		fmt(err, errsize, "%s is not a %s: remove it", path, isdir ? "directory" : "regular file");
	else if (st->st_uid != geteuid())
		fmt(err, errsize, "%s belongs to uid %lu, not to you: chown %lu %s", path,
		    (unsigned long)st->st_uid, (unsigned long)geteuid(), path);
	else if ((st->st_mode & shut) != 0 && shut == 077)
		fmt(err, errsize, "%s is open to others: chmod 600 %s", path, path);
	else if ((st->st_mode & shut) != 0)
		fmt(err, errsize, "%s is writable by others: chmod go-w %s", path, path);
	else
		return 0;
	return -1;
}

int
id_dir(char *dir, size_t size, char *err, size_t errsize)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct stat st;
	size_t k;
	int n;

	if (xdg != NULL && xdg[0] == '/')
		n = fmt(dir, size, "%s/p2pchat", xdg);
	else if (home != NULL && home[0] != '\0')
		n = fmt(dir, size, "%s/.config/p2pchat", home);
	else {
		fmt(err, errsize, "no place for keys: set HOME or XDG_CONFIG_HOME");
		return -1;
	}
	if (n < 0 || (size_t)n >= size - 16) {
		fmt(err, errsize, "the configuration directory's name is too long");
		return -1;
	}
	/* mkdir -p, each new directory private */
	for (k = 1; k <= (size_t)n; k++) {
		if (dir[k] != '/' && dir[k] != '\0')
			continue;
		dir[k] = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			fmt(err, errsize, "cannot make %s: %s", dir, strerror(errno));
			return -1;
		}
		if (k < (size_t)n)
			dir[k] = '/';
	}
	if (stat(dir, &st) == -1) {
		fmt(err, errsize, "cannot use %s: %s", dir, strerror(errno));
		return -1;
	}
	return trusted(&st, dir, 1, 022, err, errsize);
}

int
id_load(const char *path, unsigned char priv[32], char *err, size_t errsize)
{
	char buf[80], hex[65];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) == -1 && errno == ENOENT) {
		/* the first run: a new key, in a file only we may read */
		if (net_random(priv, 32) == -1) {
			fmt(err, errsize, "no random bytes for a new key: %s", strerror(errno));
			return -1;
		}
		proto_format_key(priv, hex);
		hex[64] = '\n';
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 || write(fd, hex, 65) != 65 ||
		    close(fd) == -1) {
			fmt(err, errsize, "cannot write a new key to %s: %s", path, strerror(errno));
			crypto_wipe(hex, sizeof(hex));
			return -1;
		}
		crypto_wipe(hex, sizeof(hex));
		return 1;
	}
	if (fd == -1) {
		fmt(err, errsize, "cannot read the key in %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || trusted(&st, path, 0, 077, err, errsize) == -1) {
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 64 || (n > 64 && buf[64] != '\n') || n > 65 || proto_parse_key(buf, 64, priv) == -1) {
		fmt(err, errsize, "%s does not hold a key (64 hex digits)", path);
		crypto_wipe(buf, sizeof(buf));
		return -1;
	}
	crypto_wipe(buf, sizeof(buf));
	return 0;
}

/* known_peers opened with flags, never through a symbolic link (nor
 * waiting on a FIFO), and checked: the fd, or -1 with err set and errno
 * ENOENT when the file does not exist. */
static int
pins_open(const char *path, int flags, char *err, size_t errsize)
{
	struct stat st;
	int fd, e;

	if ((fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK, 0600)) == -1) {
		e = errno;
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			fmt(err, errsize, "%s is a symbolic link, which is not followed: "
			    "put the file itself in its place", path);
		else
			fmt(err, errsize, "cannot open %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		fmt(err, errsize, "cannot open %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (trusted(&st, path, 0, 022, err, errsize) == -1) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* A hash of the name's skeleton: names the same (proto_name_eq) hash alike. */
static uint32_t
skel_hash(const char *name, size_t nlen)
{
	char sk[P2P_SKEL_MAX + 1];
	uint32_t h = 2166136261u;
	size_t k, n = proto_name_skeleton(name, nlen, sk, sizeof(sk));

	for (k = 0; k < n; k++)
		h = (h ^ (unsigned char)sk[k]) * 16777619u;
	return h;
}

/* Where the pin of the name (nlen bytes) is in p, or p->n if there is
 * none.  A plain search of at most ID_PINS_MAX names, the skeletons'
 * hashes compared first, so that loading 10,000 names stays quick. */
static size_t
pins_index(const struct id_pins *p, const char *name, size_t nlen, uint32_t h)
{
	size_t i;

	for (i = 0; i < p->n && (p->v[i].hash != h || !proto_name_eq(p->v[i].name, name, nlen)); i++)
		;
	return i;
}

/* Pin key for the name in memory: 0, or -1 with err set when full. */
static int
pins_put(struct id_pins *p, const char *name, size_t nlen, const unsigned char key[32], char *err,
    size_t errsize)
{
	uint32_t h = skel_hash(name, nlen);
	size_t i = pins_index(p, name, nlen, h), cap;
	struct id_pin *v;

	if (i == p->n && p->n == ID_PINS_MAX) {
		fmt(err, errsize, "%s is full (%d names): remove the lines of peers you no longer meet, "
		    "then start again", p->path, ID_PINS_MAX);
		return -1;
	}
	if (i == p->n && p->n == p->cap) {
		cap = p->cap ? 2 * p->cap : 16;
		if ((v = realloc(p->v, (cap < ID_PINS_MAX ? cap : ID_PINS_MAX) * sizeof(*v))) == NULL) {
			fmt(err, errsize, "out of memory for the pins of %s", p->path);
			return -1;
		}
		p->v = v;
		p->cap = cap < ID_PINS_MAX ? cap : ID_PINS_MAX;
	}
	if (i == p->n)
		p->n++;
	memcpy(p->v[i].name, name, nlen);
	p->v[i].name[nlen] = '\0';
	memcpy(p->v[i].key, key, 32);
	p->v[i].hash = h;
	return 0;
}

/* A line of known_peers, "NAME KEY" without its newline, into p: 0, or -1
 * with err set.  A line that is no pin is let be: it is superseded. */
static int
pins_line(struct id_pins *p, const char *line, size_t len, char *err, size_t errsize)
{
	const char *sp = memchr(line, ' ', len);
	unsigned char key[32];
	size_t nlen = sp ? (size_t)(sp - line) : 0;

	p->lines++;
	if (sp == NULL || nlen > P2P_NAME_MAX || len - nlen != 65 || !proto_valid_name(line, nlen) ||
	    proto_parse_key(sp + 1, 64, key) == -1)
		return 0;
	return pins_put(p, line, nlen, key, err, errsize);
}

int
id_pins_load(struct id_pins *p, const char *path, char *err, size_t errsize)
{
	char buf[4096], *nl;
	size_t len = 0, k;
	ssize_t n;
	int fd, r = 0, skip = 0;

	memset(p, 0, sizeof(*p));
	if (fmt(p->path, sizeof(p->path), "%s", path) >= (int)sizeof(p->path)) {
		fmt(err, errsize, "the name of known_peers is too long");
		return -1;
	}
	if ((fd = pins_open(path, O_RDONLY, err, errsize)) == -1)
		return errno == ENOENT ? 0 : -1;
	while (r == 0 && (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fmt(err, errsize, "cannot read %s: %s", path, strerror(errno));
			r = -1;
			break;
		}
		len += (size_t)n;
		for (k = 0; r == 0 && (nl = memchr(buf + k, '\n', len - k)) != NULL; k = (size_t)(nl - buf) + 1) {
			if (skip)
				skip = 0; /* the end of a line too long to be a pin */
			else
				r = pins_line(p, buf + k, (size_t)(nl - buf) - k, err, errsize);
		}
		len -= k;
		memmove(buf, buf + k, len);
		if (len == sizeof(buf)) { /* longer than any pin: one superseded line */
			p->lines += !skip;
			skip = 1;
			len = 0;
		}
	}
	close(fd);
	/* a last line without its newline (the next pin will start with one) */
	p->partial = len > 0 || skip;
	if (r == 0 && len > 0 && !skip)
		r = pins_line(p, buf, len, err, errsize);
	if (r == -1)
		id_pins_free(p);
	return r;
}

int
id_pins_find(const struct id_pins *p, const char *name, unsigned char key[32])
{
	size_t i = pins_index(p, name, strlen(name), skel_hash(name, strlen(name)));

	if (i == p->n)
		return 0;
	memcpy(key, p->v[i].key, 32);
	return 1;
}

/* The line of a pin, with its newline: its length. */
static int
pin_line(const struct id_pin *v, char line[P2P_NAME_MAX + 68])
{
	char hex[65];

	proto_format_key(v->key, hex);
	return fmt(line, P2P_NAME_MAX + 68, "%s %s\n", v->name, hex);
}

/* known_peers written again with its live lines only, into a new file that
 * then takes its place: a crash leaves the old file or the new one, whole
 * (the new one is synced before the rename; the old holds every pin too,
 * so the directory need not be).  The file is read again first, so as to
 * keep what another client of this user has appended since this one
 * started; one that appends in the moment between that reading and the
 * rename loses its line, and pins that peer again when next it meets it.
 * Any failure leaves the old file, to be compacted at a later pin. */
static void
pins_compact(struct id_pins *p)
{
	char tmp[ID_PATH_MAX + 8], line[P2P_NAME_MAX + 68], err[80];
	struct id_pins fresh;
	size_t i;
	int fd, ok;

	if (id_pins_load(&fresh, p->path, err, sizeof(err)) == -1)
		return;
	fmt(tmp, sizeof(tmp), "%s.XXXXXX", p->path);
	if ((fd = mkstemp(tmp)) == -1) { /* made 0600, O_EXCL */
		id_pins_free(&fresh);
		return;
	}
	for (ok = 1, i = 0; ok && i < fresh.n; i++)
		ok = fmt_write(fd, line, (size_t)pin_line(&fresh.v[i], line)) == 0;
	ok = ok && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, p->path) == -1) {
		unlink(tmp);
		id_pins_free(&fresh);
		return;
	}
	fresh.lines = fresh.n;
	fresh.partial = 0;
	id_pins_free(p);
	*p = fresh;
}

int
id_pins_add(struct id_pins *p, const char *name, const unsigned char key[32], char *err, size_t errsize)
{
	char line[P2P_NAME_MAX + 69];
	size_t nlen = strlen(name), i = pins_index(p, name, nlen, skel_hash(name, nlen));
	int fd, len, ok, fresh = i == p->n;
	struct id_pin old;

	if (!fresh && memcmp(p->v[i].key, key, 32) == 0)
		return 0;
	if (!fresh)
		old = p->v[i];
	if (pins_put(p, name, nlen, key, err, errsize) == -1)
		return -1;
	line[0] = '\n';
	len = pin_line(&p->v[i], line + p->partial) + p->partial;
	fd = pins_open(p->path, O_WRONLY | O_APPEND | O_CREAT, err, errsize);
	ok = fd != -1 && fmt_write(fd, line, (size_t)len) == 0 && fsync(fd) == 0;
	if (fd != -1 && (close(fd) == -1 || !ok)) {
		fmt(err, errsize, "cannot write %s: %s", p->path, strerror(errno));
		ok = 0;
	}
	if (!ok) { /* not in the file: not in memory either */
		if (fresh)
			p->n--;
		else
			p->v[i] = old;
		return -1;
	}
	p->lines++;
	p->partial = 0;
	if (p->lines - p->n > p->n && p->lines - p->n > ID_PINS_SLACK)
		pins_compact(p);
	return 0;
}

void
id_pins_free(struct id_pins *p)
{
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

void
id_safety(const unsigned char a[32], const unsigned char b[32], char out[ID_SAFETY_LEN])
{
	const unsigned char *lo = memcmp(a, b, 32) <= 0 ? a : b, *hi = lo == a ? b : a;
	unsigned char h[32];
	struct sha256 s;
	unsigned long long v;
	int g, i;
	size_t o = 0;

	sha256_init(&s);
	sha256_update(&s, "p2pchat safety number", 21);
	sha256_update(&s, lo, 32);
	sha256_update(&s, hi, 32);
	sha256_final(&s, h);
	for (g = 0; g < 6; g++) {
		for (v = 0, i = 0; i < 5; i++)
			v = v << 8 | h[5 * g + i];
		o += (size_t)fmt(out + o, ID_SAFETY_LEN - o, "%s%05u", g ? " " : "", (unsigned)(v % 100000));
	}
}

int
id_safety_eq(const char num[ID_SAFETY_LEN], const char *s, size_t len)
{
	size_t i, k = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t')
			continue;
		while (num[k] == ' ')
			k++;
		if (num[k] == '\0' || s[i] != num[k++])
			return 0;
	}
	while (num[k] == ' ')
		k++;
	return num[k] == '\0';
}
