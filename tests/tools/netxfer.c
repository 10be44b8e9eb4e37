/*
 * netxfer: move one file over one TCP connection and be sure it all
 * arrived (guest network tests; busybox nc ends a transfer when either
 * side's stdin ends).
 *   netxfer send HOST PORT FILE   connect, send FILE, half-close, wait
 *                                 for the receiver's close
 *   netxfer recv PORT FILE        accept one connection, write it to
 *                                 FILE until EOF, close
 * IPv4 or IPv6 literals. Exit 0 only when the whole file went through
 * (send: every byte written and the peer closed; recv: EOF seen).
 * Prints "netxfer: N bytes" on success.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "netxfer: %s: %s\n", what, strerror(errno));
	return 1;
}

static int addr(const char *host, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (host && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(atoi(port));
		*len = sizeof(*in6);
		return AF_INET6;
	}
	in->sin_family = AF_INET;
	in->sin_port = htons(atoi(port));
	if (host && inet_pton(AF_INET, host, &in->sin_addr) != 1)
		return -1;
	*len = sizeof(*in);
	return AF_INET;
}

static int copy(int in, int out, long long *total)
{
	static char buf[1 << 16];
	ssize_t n, w, off;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += w) {
			w = write(out, buf + off, n - off);
			if (w <= 0)
				return -1;
		}
		*total += n;
	}
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long long total = 0;
	char b;
	int s, fd, c, one = 1;

	if (argc == 5 && !strcmp(argv[1], "send")) {
		if (addr(argv[2], argv[3], &ss, &len) < 0)
			return fprintf(stderr, "netxfer: bad address %s\n", argv[2]), 2;
		fd = open(argv[4], O_RDONLY);
		if (fd < 0)
			return die(argv[4]);
		s = socket(ss.ss_family, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&ss, len) < 0)
			return die("connect");
		if (copy(fd, s, &total) < 0)
			return die("send");
		/* Our EOF, then theirs: every byte is in their hands. */
		if (shutdown(s, SHUT_WR) < 0 || read(s, &b, 1) != 0)
			return die("waiting for the receiver's close");
	} else if (argc == 4 && !strcmp(argv[1], "recv")) {
		addr(NULL, argv[2], &ss, &len);
		fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return die(argv[3]);
		s = socket(AF_INET6, SOCK_STREAM, 0);
		if (s >= 0) {	/* dual-stack: IPv6 and IPv4 */
			struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
						   .sin6_port = htons(atoi(argv[2])) };

			setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (bind(s, (struct sockaddr *)&a6, sizeof(a6)) < 0) {
				close(s);
				s = -1;
			}
		}
		if (s < 0) {
			s = socket(AF_INET, SOCK_STREAM, 0);
			setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (s < 0 || bind(s, (struct sockaddr *)&ss, len) < 0)
				return die("bind");
		}
		if (listen(s, 1) < 0)
			return die("listen");
		/* Listening: the other side may connect now. */
		printf("netxfer: listening on %s\n", argv[2]);
		fflush(stdout);
		c = accept(s, NULL, NULL);
		if (c < 0)
			return die("accept");
		if (copy(c, fd, &total) < 0 || (fsync(fd) < 0 && errno != EINVAL))
			return die("receive");
		close(c);
	} else {
		fprintf(stderr, "usage: netxfer send HOST PORT FILE | netxfer recv PORT FILE\n");
		return 2;
	}
	printf("netxfer: %lld bytes\n", total);
	return 0;
}
