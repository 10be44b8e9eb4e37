/*
 * The control socket: framing and every malformed request through
 * control__handle, then the real socket (0600, several clients, oversized
 * and split lines, a vanishing client, too many clients), and the
 * machine's requests validating their arguments before touching anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/control.h"
#include "vmm/machine_priv.h"

static int calls;

static int cmd_echo(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen)
{
	(void)opaque;
	(void)err;
	(void)errlen;
	calls++;
	*ret = json_deep_copy(args);
	return 0;
}

static int cmd_fail(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen)
{
	(void)opaque;
	(void)args;
	(void)ret;
	snprintf(err, errlen, "it failed");
	return -EIO;
}

static int cmd_nothing(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen)
{
	(void)opaque;
	(void)args;
	(void)ret;
	(void)err;
	(void)errlen;
	return 0;
}

static const struct control_command cmds[] = {
	{ "echo", cmd_echo }, { "fail", cmd_fail }, { "nothing", cmd_nothing },
};

static void assert_reply(struct control *c, const char *req, const char *want)
{
	char *r = control__handle(c, req, strlen(req));

	assert_non_null(r);
	assert_string_equal(r, want);
	free(r);
}

#define GENERIC(d) "{\"error\":{\"class\":\"GenericError\",\"desc\":\"" d "\"}}\n"

/* Found by fuzz_control: error texts quoting bytes of the request that
 * are not UTF-8 (a bad escape's context, a NUL escape in a key, a name cut
 * inside a multi-byte character) got no reply at all, so the server closed
 * the connection. Every request gets its one error line. */
static void test_error_not_utf8(void **state)
{
	static const char *const reqs[] = {
		"{\"execute\":\"echo\",\"apguments\":{},\"i\\\xde\xbd" "6}",
		"{\"e\\u000\xd0\x87\x9a\x9c\x8a\x8b\x9a\xdd:{}}",
		"{\"execute\":\"echo\",\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\":1}",
		"{\"execute\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\"}",
	};
	struct control c = { .cmds = cmds, .nr_cmds = 3 };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		char *r = control__handle(&c, reqs[i], strlen(reqs[i]));

		assert_non_null(r);
		assert_non_null(strstr(r, "{\"error\":{\"class\":\""));
		assert_true(r[strlen(r) - 1] == '\n');
		free(r);
	}
}

static void test_framing(void **state)
{
	struct control c = { .cmds = cmds, .nr_cmds = 3 };

	(void)state;
	assert_reply(&c, "{\"execute\":\"echo\",\"arguments\":{\"a\":1}}", "{\"return\":{\"a\":1}}\n");
	assert_reply(&c, "{\"execute\":\"echo\"}", "{\"return\":{}}\n");
	assert_reply(&c, "{\"execute\":\"nothing\",\"id\":\"x7\"}", "{\"return\":{},\"id\":\"x7\"}\n");
	assert_reply(&c, "{\"execute\":\"fail\",\"id\":3}",
		     "{\"error\":{\"class\":\"GenericError\",\"desc\":\"it failed\"},\"id\":3}\n");
	assert_reply(&c, "{\"execute\":\"nope\"}",
		     "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"the command nope has not been found\"}}\n");
	assert_reply(&c, "garbage", GENERIC("expected a JSON object: '[' or '{' expected near 'garbage' (column 7)"));
	assert_reply(&c, "{\"execute\":\"echo\"", GENERIC("expected a JSON object: '}' expected near end of file (column 17)"));
	assert_reply(&c, "[1,2]", GENERIC("expected {\\\"execute\\\": \\\"NAME\\\", \\\"arguments\\\": {...}}"));
	assert_reply(&c, "{\"execute\":5}", GENERIC("expected {\\\"execute\\\": \\\"NAME\\\", \\\"arguments\\\": {...}}"));
	assert_reply(&c, "{\"arguments\":{}}", GENERIC("expected {\\\"execute\\\": \\\"NAME\\\", \\\"arguments\\\": {...}}"));
	assert_reply(&c, "{\"execute\":\"echo\",\"arguments\":[]}", GENERIC("'arguments' must be an object"));
	assert_reply(&c, "{\"execute\":\"echo\",\"argument\":{}}",
		     GENERIC("unexpected member 'argument' (expected execute, arguments, id)"));
	assert_reply(&c, "{\"execute\":\"echo\",\"execute\":\"fail\"}",
		     GENERIC("expected a JSON object: duplicate object key near '\\\"execute\\\"' (column 27)"));
	assert_reply(&c, "{\"execute\":\"echo\"} {}", GENERIC("expected a JSON object: end of file expected near '{' (column 20)"));
	assert_reply(&c, "{\"execute\":\"\\u0000\"}",
		     GENERIC("expected a JSON object: \\\\u0000 is not allowed without JSON_ALLOW_NUL near '\\\"\\\\u0000\\\"' (column 19)"));
	assert_int_equal(c.requests, 15);
	assert_int_equal(c.errors, 12);
}

/* --- the socket --- */

static char sock[] = "/tmp/mvmm-test-control-XXXXXX";

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_str(int fd, const char *s);

static void send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		assert_true(n > 0);
		s += n;
		len -= n;
	}
}

static void send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

/* One line back, within 10 s (the server is another thread). */
static void read_line(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (len < cap - 1) {
		assert_int_equal(poll(&p, 1, 10000), 1);
		assert_int_equal(read(fd, buf + len, 1), 1);
		if (buf[len++] == '\n')
			break;
	}
	buf[len] = '\0';
}

static void test_socket(void **state)
{
	struct control c;
	char err[256], line[1024], path[64];
	struct stat st;
	char *big;
	int a, b, fds[CONTROL_MAX_CLIENTS], i, fd;

	(void)state;
	assert_non_null(mkdtemp(sock));
	snprintf(path, sizeof(path), "%s/api.sock", sock);
	/* Anything but a stale socket at the path is refused. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(control__init(&c, path, cmds, 3, NULL, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "exists and is not a socket"));
	unlink(path);
	assert_int_equal(control__init(&c, path, cmds, 3, NULL, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(control__start(&c), 0);

	a = connect_to(path);
	b = connect_to(path);
	/* Two requests in one write, one split over two writes, CRLF. */
	send_str(a, "{\"execute\":\"echo\",\"arguments\":{\"n\":1}}\n{\"execute\":\"ec");
	read_line(a, line, sizeof(line));
	assert_string_equal(line, "{\"return\":{\"n\":1}}\n");
	send_str(b, "{\"execute\":\"nothing\"}\r\n");
	read_line(b, line, sizeof(line));
	assert_string_equal(line, "{\"return\":{}}\n");
	send_str(a, "ho\"}\n\n");	/* and an empty line is ignored */
	read_line(a, line, sizeof(line));
	assert_string_equal(line, "{\"return\":{}}\n");

	/* An oversized line: one error, the rest of it dropped, still usable. */
	big = malloc(CONTROL_MAX_LINE * 2);
	memset(big, 'x', CONTROL_MAX_LINE * 2);
	send_all(a, big, CONTROL_MAX_LINE * 2);
	send_str(a, "\n{\"execute\":\"nothing\"}\n");
	read_line(a, line, sizeof(line));
	assert_string_equal(line, GENERIC("request longer than 65536 bytes"));
	read_line(a, line, sizeof(line));
	assert_string_equal(line, "{\"return\":{}}\n");
	free(big);

	/* A client that vanishes mid-request harms nobody. */
	send_str(b, "{\"execute\":\"ech");
	close(b);

	/* Clients up to the limit are served; the next is told and closed. */
	for (i = 0; i < CONTROL_MAX_CLIENTS - 1; i++)
		fds[i] = connect_to(path);
	for (i = 0; i < CONTROL_MAX_CLIENTS - 1; i++) {
		send_all(fds[i], "{\"execute\":\"nothing\"}\n", 22);
		read_line(fds[i], line, sizeof(line));
		assert_string_equal(line, "{\"return\":{}}\n");
	}
	fd = connect_to(path);
	read_line(fd, line, sizeof(line));
	assert_string_equal(line, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"too many clients\"}}\n");
	close(fd);
	for (i = 0; i < CONTROL_MAX_CLIENTS - 1; i++)
		close(fds[i]);
	send_str(a, "{\"execute\":\"nothing\"}\n");
	read_line(a, line, sizeof(line));
	assert_string_equal(line, "{\"return\":{}}\n");
	close(a);

	control__destroy(&c);
	assert_int_equal(stat(path, &st), -1);	/* removed */
	rmdir(sock);
}

/* --- the machine's requests: validation before any change --- */

static struct machine *fake_machine(void)
{
	struct machine *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->vm.nr_vcpus = 2;
	atomic_store(&m->vm.exit_status, -1);
	idset__parse(&m->host.allowed_cpus, "0", IDSET_MAX);
	idset__parse(&m->host.allowed_nodes, "0", IDSET_MAX);
	m->topo.nr_nodes = 2;
	m->topo.node[0].memory = 1 << 20;	/* node 1: CPU-only */
	pthread_mutex_init(&m->plan_lock, NULL);
	timeline__init(&m->timeline, 0);
	return m;
}

static void test_requests_validate(void **state)
{
	struct machine *m = fake_machine();
	struct control c = { .cmds = machine_commands, .nr_cmds = machine_nr_commands, .opaque = m };

	(void)state;
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"cpus\":\"0\"}}",
		     GENERIC("expected exactly one of 'vcpu', 'thread', 'device'"));
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"vcpu\":0,\"thread\":\"emulator\",\"cpus\":\"0\"}}",
		     GENERIC("expected exactly one of 'vcpu', 'thread', 'device'"));
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"vcpu\":0,\"cpus\":\"0-\"}}",
		     GENERIC("cpus: expected a list like 0-3,6"));
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"vcpu\":0,\"cpus\":\"\"}}",
		     GENERIC("cpus: expected a list like 0-3,6"));
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"vcpu\":0,\"cpus\":[0]}}",
		     GENERIC("cpus: expected a list like 0-3,6"));
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"vcpu\":0,\"cpus\":\"0-1\"}}",
		     GENERIC("cpus: expected CPUs this process may use (0), got '0-1'"));
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"vcpu\":2,\"cpus\":0}}",
		     GENERIC("vcpu: expected a vCPU index below 2"));
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"vcpu\":\"1\",\"cpus\":0}}",
		     GENERIC("vcpu: expected a vCPU index below 2"));
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"thread\":\"io\",\"cpus\":0}}",
		     GENERIC("thread: expected \\\"emulator\\\""));
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"device\":\"acc9\",\"cpus\":0}}",
		     GENERIC("device: expected the name of a [device.NAME]"));
	assert_reply(&c, "{\"execute\":\"set-affinity\",\"arguments\":{\"vcpu\":0,\"cpus\":0,\"now\":1}}",
		     GENERIC("unexpected argument 'now'"));
	assert_reply(&c, "{\"execute\":\"migrate-memory\",\"arguments\":{\"host_nodes\":\"0\"}}",
		     GENERIC("expected exactly one of 'guest_node', 'device'"));
	assert_reply(&c, "{\"execute\":\"migrate-memory\",\"arguments\":{\"guest_node\":0,\"host_nodes\":\"x\"}}",
		     GENERIC("host_nodes: expected a list like 0-3,6"));
	assert_reply(&c, "{\"execute\":\"migrate-memory\",\"arguments\":{\"guest_node\":0,\"host_nodes\":\"1\"}}",
		     GENERIC("host_nodes: expected nodes this process may use (0), got '1'"));
	assert_reply(&c, "{\"execute\":\"migrate-memory\",\"arguments\":{\"guest_node\":0,\"host_nodes\":0,\"policy\":\"near\"}}",
		     GENERIC("policy: expected bind, preferred or interleave"));
	assert_reply(&c, "{\"execute\":\"migrate-memory\",\"arguments\":{\"guest_node\":1,\"host_nodes\":0}}",
		     GENERIC("guest_node: expected a guest node with memory (0-1)"));
	assert_reply(&c, "{\"execute\":\"migrate-memory\",\"arguments\":{\"guest_node\":-1,\"host_nodes\":0}}",
		     GENERIC("guest_node: expected a guest node with memory (0-1)"));
	assert_reply(&c, "{\"execute\":\"migrate-memory\",\"arguments\":{\"device\":\"acc0\",\"host_nodes\":0}}",
		     GENERIC("device: expected the name of a [device.NAME]"));
	assert_reply(&c, "{\"execute\":\"resume\"}", GENERIC("not paused"));
	assert_reply(&c, "{\"execute\":\"query-status\",\"arguments\":{\"x\":1}}",
		     GENERIC("unexpected argument 'x'"));
	/* Nothing above changed the plan. */
	assert_true(idset__empty(&m->plan.vcpu[0].host_cpus));
	assert_true(idset__empty(&m->plan.node[0].host_nodes));
	timeline__free(&m->timeline);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_error_not_utf8),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_requests_validate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
