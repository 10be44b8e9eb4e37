/*
 * mvmm-ctl: a client for mvmm's control socket, for shells and scripts.
 *
 *   mvmm-ctl SOCKET COMMAND [KEY=VALUE...]   one request, reply on stdout
 *   mvmm-ctl SOCKET --raw 'JSON'             send a line as it is
 *
 * KEY=VALUE pairs become "arguments": a value of decimal digits is a
 * number, anything else a string ("cpus=0-3" -> "0-3"). Exit status: 0 for
 * a {"return": ...} reply, 1 for an {"error": ...} reply, 2 for usage or
 * connection errors. Static, no libraries: it also runs in minimal guests
 * and test hosts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_REQ	65536

static int usage(void)
{
	fprintf(stderr, "usage: mvmm-ctl SOCKET COMMAND [KEY=VALUE...]\n"
			"       mvmm-ctl SOCKET --raw 'JSON'\n");
	return 2;
}

/* Append @s as a JSON string literal. */
static int put_string(char *out, size_t *len, const char *s, size_t n)
{
	size_t i;

	if (*len + 2 >= MAX_REQ)
		return -1;
	out[(*len)++] = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (*len + 8 >= MAX_REQ)
			return -1;
		if (c == '"' || c == '\\')
			*len += sprintf(out + *len, "\\%c", c);
		else if (c < 0x20)
			*len += sprintf(out + *len, "\\u%04x", c);
		else
			out[(*len)++] = c;
	}
	out[(*len)++] = '"';
	return 0;
}

static int is_number(const char *s)
{
	if (!*s || strlen(s) > 18)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	static char req[MAX_REQ + 2], reply[1 << 20];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, got = 0;
	int fd, i;
	ssize_t n;

	if (argc < 3)
		return usage();
	if (!strcmp(argv[2], "--raw")) {
		if (argc != 4 || strlen(argv[3]) >= MAX_REQ)
			return usage();
		len = sprintf(req, "%s", argv[3]);
	} else {
		len = sprintf(req, "{\"execute\": ");
		if (put_string(req, &len, argv[2], strlen(argv[2])) < 0)
			return usage();
		len += sprintf(req + len, ", \"arguments\": {");
		for (i = 3; i < argc; i++) {
			const char *eq = strchr(argv[i], '=');

			if (!eq || eq == argv[i]) {
				fprintf(stderr, "mvmm-ctl: '%s': expected KEY=VALUE\n", argv[i]);
				return 2;
			}
			if (i > 3)
				req[len++] = ',';
			if (put_string(req, &len, argv[i], eq - argv[i]) < 0 || len + 2 >= MAX_REQ)
				return usage();
			req[len++] = ':';
			if (is_number(eq + 1))
				len += snprintf(req + len, MAX_REQ - len, "%s", eq + 1);
			else if (put_string(req, &len, eq + 1, strlen(eq + 1)) < 0)
				return usage();
		}
		if (len + 2 >= MAX_REQ)
			return usage();
		req[len++] = '}';
		req[len++] = '}';
	}
	req[len++] = '\n';
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "mvmm-ctl: %s: path too long\n", argv[1]);
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "mvmm-ctl: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	for (size_t off = 0; off < len; off += n) {
		n = write(fd, req + off, len - off);
		if (n <= 0) {
			fprintf(stderr, "mvmm-ctl: write: %s\n", strerror(errno));
			return 2;
		}
	}
	/* One reply line. */
	while (got < sizeof(reply) - 1 && !memchr(reply, '\n', got)) {
		n = read(fd, reply + got, sizeof(reply) - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (!got || !memchr(reply, '\n', got)) {
		fprintf(stderr, "mvmm-ctl: no reply\n");
		return 2;
	}
	fwrite(reply, 1, (char *)memchr(reply, '\n', got) - reply + 1, stdout);
	return strncmp(reply, "{\"error\"", 8) ? 0 : 1;
}
