/*
 * identity.c: the identity file and known_peers (identity.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "fmt.h"
#include "identity.h"
#include "net.h"
#include "proto.h"

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
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		fmt(err, errsize, "%s is not a private file (chmod 600 it)", path);
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

/* The key pinned last for name in the file at path (a later line wins, so
 * that pinning only ever appends): 1 with key, 0 if none, -1 on error. */
int
id_known(const char *path, const char *name, unsigned char key[32])
{
	char buf[4096], *line, *nl, *sp;
	size_t len = 0, nlen = strlen(name);
	ssize_t n;
	int fd, found = 0;

	if ((fd = open(path, O_RDONLY)) == -1)
		return errno == ENOENT ? 0 : -1;
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
		for (line = buf; (nl = memchr(line, '\n', len - (size_t)(line - buf))) != NULL; line = nl + 1) {
			sp = memchr(line, ' ', (size_t)(nl - line));
			if (sp != NULL && nl - sp == 65 && (size_t)(sp - line) == nlen &&
			    proto_name_eq(name, line, nlen) && proto_parse_key(sp + 1, 64, key) == 0)
				found = 1;
		}
		len -= (size_t)(line - buf);
		memmove(buf, line, len);
		if (len == sizeof(buf)) /* a line longer than any pin: not ours */
			len = 0;
	}
	close(fd);
	return n == -1 ? -1 : found;
}

int
id_pin(const char *path, const char *name, const unsigned char key[32])
{
	char line[P2P_NAME_MAX + 68], hex[65];
	size_t len;
	int fd, ok;

	proto_format_key(key, hex);
	len = (size_t)fmt(line, sizeof(line), "%s %s\n", name, hex);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600)) == -1)
		return -1;
	ok = write(fd, line, len) == (ssize_t)len;
	return close(fd) == 0 && ok ? 0 : -1;
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
