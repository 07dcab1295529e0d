/*
 * identity.c: the identity file and known_peers (identity.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "fmt.h"
#include "identity.h"
#include "net.h"
#include "proto.h"

void
id_hex(const unsigned char key[32], char out[65])
{
	int i;

	for (i = 0; i < 32; i++)
		fmt(out + 2 * i, 3, "%02x", key[i]);
}

static int
unhex64(const char *s, unsigned char key[32])
{
	int i, hi, lo;

	for (i = 0; i < 32; i++) {
		hi = s[2 * i], lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
id_dir(char *dir, size_t size, char *err, size_t errsize)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
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
	return 0;
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
		id_hex(priv, hex);
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
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		fmt(err, errsize, "%s is not a private file (chmod 600 it)", path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 64 || (n > 64 && buf[64] != '\n') || n > 65 || unhex64(buf, priv) == -1) {
		fmt(err, errsize, "%s does not hold a key (64 hex digits)", path);
		crypto_wipe(buf, sizeof(buf));
		return -1;
	}
	crypto_wipe(buf, sizeof(buf));
	return 0;
}

/* Read the whole file at path into a buffer of *len bytes (NULL when there
 * is none yet), or (void *)-1 on error. */
static char *
slurp(const char *path, size_t *len)
{
	char *buf = NULL, *b;
	size_t cap = 0;
	ssize_t n;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY)) == -1)
		return errno == ENOENT ? NULL : (char *)-1;
	for (;;) {
		if (*len == cap) {
			if (cap >= (1u << 24) || (b = realloc(buf, cap = cap ? 2 * cap : 4096)) == NULL) {
				free(buf);
				close(fd);
				return (char *)-1;
			}
			buf = b;
		}
		if ((n = read(fd, buf + *len, cap - *len)) <= 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	return buf == NULL ? calloc(1, 1) : buf;
}

/* The line of (buf, len) that pins name: its start, with its length in *ll; or NULL. */
static const char *
find(const char *buf, size_t len, const char *name, size_t *ll)
{
	const char *p = buf, *end = buf + len, *nl, *sp;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (sp != NULL && nl - sp == 65 && proto_name_eq(name, p, (size_t)(sp - p)) &&
		    strlen(name) == (size_t)(sp - p)) {
			*ll = (size_t)(nl - p);
			return p;
		}
		if (nl == end)
			break;
	}
	return NULL;
}

int
id_known(const char *path, const char *name, unsigned char key[32])
{
	size_t len, ll;
	char *buf = slurp(path, &len);
	const char *line;
	int r = 0;

	if (buf == (char *)-1)
		return -1;
	if (buf != NULL && (line = find(buf, len, name, &ll)) != NULL)
		r = unhex64(line + ll - 64, key) == 0 ? 1 : -1;
	free(buf);
	return r;
}

/* Write all of (p, n): 1, or 0. */
static int
put(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			return 0;
		p += w;
		n -= (size_t)w;
	}
	return 1;
}

int
id_pin(const char *path, const char *name, const unsigned char key[32])
{
	char tmp[ID_PATH_MAX + 8], hex[65], entry[P2P_NAME_MAX + 68], *buf;
	const char *line, *rest, *end;
	size_t len, ll = 0;
	int fd, ok;
	char last;

	if ((buf = slurp(path, &len)) == (char *)-1 || fmt(tmp, sizeof(tmp), "%s.new", path) < 0)
		return -1;
	end = buf ? buf + len : NULL;
	if (buf == NULL || (line = find(buf, len, name, &ll)) == NULL)
		line = rest = end;
	else
		rest = line + ll < end ? line + ll + 1 : end;
	/* every line but the old pin, then the new one: written aside, renamed over */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		free(buf);
		return -1;
	}
	id_hex(key, hex);
	fmt(entry, sizeof(entry), "%s %s\n", name, hex);
	last = rest < end ? end[-1] : line > buf ? line[-1] : '\n';
	ok = put(fd, buf, (size_t)(line - buf)) && put(fd, rest, (size_t)(end - rest)) &&
	    (last == '\n' || put(fd, "\n", 1)) && put(fd, entry, strlen(entry));
	ok = close(fd) == 0 && ok && rename(tmp, path) == 0;
	free(buf);
	if (!ok)
		unlink(tmp);
	return ok ? 0 : -1;
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
