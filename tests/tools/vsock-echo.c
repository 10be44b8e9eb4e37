/*
 * vsock-echo: a checksummed echo over AF_VSOCK, for the vsock scenario
 * (static; runs in the test host and in the inner guest).
 *
 *   vsock-echo listen PORT [S]  accept one connection on PORT (any CID)
 *                               within S seconds (default 60), read a le64
 *                               length and that many bytes, send them
 *                               back, print what it got
 *   vsock-echo send CID PORT N  connect to CID:PORT, send N bytes of a
 *                               pattern (with the length first), read the
 *                               echo back and compare
 *   vsock-echo cid              this side's local CID
 *
 * listen prints "vsock-echo: listening on port P" (flushed) once it is
 * listening, then "vsock-echo: echoed N bytes fnv=X to cid C".
 * send prints "vsock-echo: sent N bytes fnv=X, echo fnv=Y: ok" (or
 * MISMATCH) on stdout and the round trip's time on stderr. Every wait is bounded (60 s); exit 0 only on a whole,
 * matching echo.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define TIMEOUT_S	60
#define MAX_LEN		(256u << 20)

static int die(const char *what)
{
	fprintf(stderr, "vsock-echo: %s: %s\n", what, strerror(errno));
	return 1;
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static int io_all(int fd, void *buf, size_t n, int wr)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t k = wr ? write(fd, p, n) : read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (!k)
				errno = EPIPE;
			return -1;
		}
		p += k;
		n -= k;
	}
	return 0;
}

static void timeouts(int fd)
{
	struct timeval tv = { .tv_sec = TIMEOUT_S };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int do_listen(unsigned port, int wait_s)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
				 .svm_port = port };
	struct sockaddr_vm peer;
	socklen_t plen = sizeof(peer);
	struct pollfd pfd;
	uint64_t len, h;
	uint8_t *buf;
	int s, c;

	s = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (s < 0)
		return die("socket");
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return die("bind");
	if (listen(s, 1) < 0)
		return die("listen");
	printf("vsock-echo: listening on port %u\n", port);
	fflush(stdout);
	pfd = (struct pollfd){ .fd = s, .events = POLLIN };
	if (poll(&pfd, 1, wait_s * 1000) != 1) {
		fprintf(stderr, "vsock-echo: no connection within %d s\n", wait_s);
		return 1;
	}
	c = accept(s, (struct sockaddr *)&peer, &plen);
	if (c < 0)
		return die("accept");
	timeouts(c);
	if (io_all(c, &len, sizeof(len), 0) < 0)
		return die("read length");
	if (len > MAX_LEN) {
		fprintf(stderr, "vsock-echo: length %" PRIu64 " too large\n", len);
		return 1;
	}
	buf = malloc(len ? len : 1);
	if (!buf)
		return die("malloc");
	if (io_all(c, buf, len, 0) < 0)
		return die("read data");
	h = fnv(0xcbf29ce484222325ULL, buf, len);
	if (io_all(c, buf, len, 1) < 0)
		return die("write echo");
	printf("vsock-echo: echoed %" PRIu64 " bytes fnv=%016" PRIx64 " to cid %u\n", len, h,
	       peer.svm_cid);
	/* Wait for the peer to close: it has read everything by then. */
	(void)!read(c, &len, 1);
	close(c);
	close(s);
	free(buf);
	return 0;
}

static int do_send(unsigned cid, unsigned port, uint64_t len)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };
	struct timeval ct = { .tv_sec = TIMEOUT_S };
	uint8_t *out = malloc(len ? len : 1), *in = malloc(len ? len : 1);
	/* Seeded by port too: each direction of a test sends other bytes. */
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ len ^ (uint64_t)port << 40, i, ho, hi;
	struct timespec t0, t1;
	int s;

	if (!out || !in)
		return die("malloc");
	for (i = 0; i < len; i++) {	/* xorshift: no period a short echo could fake */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[i] = x;
	}
	s = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (s < 0)
		return die("socket");
	setsockopt(s, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &ct, sizeof(ct));
	timeouts(s);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return die("connect");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (io_all(s, &len, sizeof(len), 1) < 0 || io_all(s, out, len, 1) < 0)
		return die("write");
	if (io_all(s, in, len, 0) < 0)
		return die("read echo");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ho = fnv(0xcbf29ce484222325ULL, out, len);
	hi = fnv(0xcbf29ce484222325ULL, in, len);
	printf("vsock-echo: sent %" PRIu64 " bytes fnv=%016" PRIx64 ", echo fnv=%016" PRIx64
	       ": %s\n", len, ho, hi, ho == hi && !memcmp(in, out, len) ? "ok" : "MISMATCH");
	fprintf(stderr, "vsock-echo: round trip of %" PRIu64 " bytes each way: %.1f ms\n", len,
		(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	close(s);
	return ho == hi && !memcmp(in, out, len) ? 0 : 1;
}

static int do_cid(void)
{
	unsigned cid;
	int fd = open("/dev/vsock", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return die("/dev/vsock");
	if (ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid) < 0)
		return die("IOCTL_VM_SOCKETS_GET_LOCAL_CID");
	printf("%u\n", cid);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "listen"))
		return do_listen(strtoul(argv[2], NULL, 0),
				 argc == 4 ? atoi(argv[3]) : TIMEOUT_S);
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0),
			       strtoull(argv[4], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "cid"))
		return do_cid();
	fprintf(stderr, "usage: vsock-echo listen PORT [SECONDS] | send CID PORT BYTES | cid\n");
	return 2;
}
