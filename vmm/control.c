/* The control socket's transport and framing (see control.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/control.h"
#include "vmm/sandbox.h"
#include "vmm/util.h"

static char *reply_line(json_t *reply)
{
	char *s = json_dumps(reply, JSON_COMPACT), *line;
	size_t n;

	json_decref(reply);
	if (!s)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

static char *error_reply(struct control *c, json_t *id, const char *class, const char *desc)
{
	char safe[CONTROL_ERR_LEN + 128];
	json_t *r;
	size_t i;

	/* The text may quote the request (a parse error's context, a member
	 * or command name cut at 64 bytes): not necessarily UTF-8, which
	 * json_pack refuses. Printable ASCII always makes a reply. */
	for (i = 0; desc[i] && i < sizeof(safe) - 1; i++)
		safe[i] = desc[i] >= 0x20 && desc[i] < 0x7f ? desc[i] : '?';
	safe[i] = '\0';
	r = json_pack("{s:{s:s,s:s}}", "error", "class", class, "desc", safe);

	c->errors++;
	if (r && id)
		json_object_set(r, "id", id);
	return r ? reply_line(r) : NULL;
}

char *control__handle(struct control *c, const char *line, size_t len)
{
	json_t *req, *args = NULL, *id, *ret = NULL, *reply, *val;
	char err[CONTROL_ERR_LEN], desc[CONTROL_ERR_LEN + 64];
	const char *name, *key;
	json_error_t jerr;
	char *out;
	unsigned i;
	int r;

	c->requests++;
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		snprintf(desc, sizeof(desc), "expected a JSON object: %s (column %d)", jerr.text,
			 jerr.column);
		return error_reply(c, NULL, "GenericError", desc);
	}
	id = json_object_get(req, "id");
	if (!json_is_object(req) || !json_is_string(json_object_get(req, "execute"))) {
		out = error_reply(c, id, "GenericError",
				  "expected {\"execute\": \"NAME\", \"arguments\": {...}}");
		goto out;
	}
	name = json_string_value(json_object_get(req, "execute"));
	args = json_object_get(req, "arguments");
	if (args && !json_is_object(args)) {
		out = error_reply(c, id, "GenericError", "'arguments' must be an object");
		goto out;
	}
	json_object_foreach(req, key, val) {
		if (strcmp(key, "execute") && strcmp(key, "arguments") && strcmp(key, "id")) {
			snprintf(desc, sizeof(desc), "unexpected member '%.64s' (expected execute, arguments, id)",
				 key);
			out = error_reply(c, id, "GenericError", desc);
			goto out;
		}
	}
	for (i = 0; i < c->nr_cmds && strcmp(c->cmds[i].name, name); i++)
		;
	if (i == c->nr_cmds) {
		snprintf(desc, sizeof(desc), "the command %.64s has not been found", name);
		out = error_reply(c, id, "CommandNotFound", desc);
		goto out;
	}
	args = args ? json_incref(args) : json_object();
	err[0] = '\0';
	r = c->cmds[i].fn(c->opaque, args, &ret, err, sizeof(err));
	json_decref(args);
	if (r < 0) {
		json_decref(ret);
		out = error_reply(c, id, "GenericError", err[0] ? err : strerror(-r));
		goto out;
	}
	reply = json_object();
	if (!reply || json_object_set_new(reply, "return", ret ? ret : json_object()) < 0) {
		json_decref(reply);
		out = NULL;
		goto out;
	}
	if (id)
		json_object_set(reply, "id", id);
	out = reply_line(reply);
out:
	json_decref(req);
	return out;
}

int control__init(struct control *c, const char *path, const struct control_command *cmds,
		  unsigned nr_cmds, void *opaque, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	unsigned i;
	int ret;

	memset(c, 0, sizeof(*c));
	c->listen_fd = c->stop_pipe[0] = c->stop_pipe[1] = -1;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->client[i].fd = -1;
	c->cmds = cmds;
	c->nr_cmds = nr_cmds;
	c->opaque = opaque;
	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--api-socket %s: expected a path of 1 to %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	/* Replace a socket left by an earlier run, never anything else. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "--api-socket %s: exists and is not a socket", path);
			return -EEXIST;
		}
		unlink(path);
	}
	c->path = strdup(path);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (!c->path || c->listen_fd < 0) {
		ret = c->path ? -errno : -ENOMEM;
		goto err;
	}
	/* Owner only from the start: no window where others could connect. */
	if (fchmod(c->listen_fd, 0600) < 0 ||
	    bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto err;
	}
	if (chmod(path, 0600) < 0 || listen(c->listen_fd, CONTROL_MAX_CLIENTS) < 0 ||
	    pipe2(c->stop_pipe, O_CLOEXEC) < 0) {
		ret = -errno;
		unlink(path);
		goto err;
	}
	return 0;
err:
	snprintf(err, errlen, "--api-socket %s: %s", path, strerror(-ret));
	free(c->path);
	c->path = NULL;	/* not ours to unlink */
	control__destroy(c);
	return ret;
}

static void client_close(struct control_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->buf);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

/* Replies are small; a client whose socket buffer is full does not read
 * them, and is dropped rather than allowed to stall the server. */
static int client_send(struct control_client *cl, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len) {
		n = send(cl->fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		s += n;
		len -= n;
	}
	return 0;
}

static void client_reply(struct control *c, struct control_client *cl, char *reply)
{
	if (!reply || client_send(cl, reply) < 0)
		client_close(cl);
	free(reply);
	(void)c;
}

/* Read what is there; answer every complete line. */
static void client_input(struct control *c, struct control_client *cl)
{
	char desc[96];
	ssize_t n;
	char *nl;

	n = recv(cl->fd, cl->buf + cl->len, CONTROL_MAX_LINE + 1 - cl->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		client_close(cl);
		return;
	}
	cl->len += n;
	while (cl->fd >= 0 && (nl = memchr(cl->buf, '\n', cl->len))) {
		size_t line = nl - cl->buf;

		if (cl->discarding) {
			cl->discarding = false;
		} else if (line && !(line == 1 && cl->buf[0] == '\r')) {
			client_reply(c, cl, control__handle(c, cl->buf, line));
			if (cl->fd < 0)
				return;
		}
		memmove(cl->buf, nl + 1, cl->len - line - 1);
		cl->len -= line + 1;
	}
	if (cl->len > CONTROL_MAX_LINE) {	/* no newline in a full buffer */
		if (!cl->discarding) {
			snprintf(desc, sizeof(desc), "request longer than %d bytes", CONTROL_MAX_LINE);
			client_reply(c, cl, error_reply(c, NULL, "GenericError", desc));
		}
		cl->discarding = true;
		cl->len = 0;
	}
}

static void control_accept(struct control *c)
{
	unsigned i;
	int fd;

	fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (i = 0; i < CONTROL_MAX_CLIENTS && c->client[i].fd >= 0; i++)
		;
	if (i == CONTROL_MAX_CLIENTS) {
		static const char busy[] = "{\"error\": {\"class\": \"GenericError\", \"desc\": \"too many clients\"}}\n";

		/* Best effort: it is closed either way. */
		ssize_t n = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);

		(void)n;
		close(fd);
		return;
	}
	c->client[i].buf = malloc(CONTROL_MAX_LINE + 1);
	if (!c->client[i].buf) {
		close(fd);
		return;
	}
	c->client[i].fd = fd;
}

static void *control_thread(void *arg)
{
	struct control *c = arg;
	struct pollfd pfd[CONTROL_MAX_CLIENTS + 2];
	unsigned i, n;

	if (sandbox__enter(SANDBOX_CONTROL, c->sandbox) < 0) {
		fprintf(stderr, "mvmm: control socket: cannot install the seccomp filter\n");
		return NULL;
	}
	for (;;) {
		pfd[0] = (struct pollfd){ .fd = c->stop_pipe[0], .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
		for (i = 0, n = 2; i < CONTROL_MAX_CLIENTS; i++)
			pfd[n++] = (struct pollfd){ .fd = c->client[i].fd, .events = POLLIN };
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN)
			control_accept(c);
		for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
			if (pfd[2 + i].fd >= 0 && (pfd[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				client_input(c, &c->client[i]);
	}
	return NULL;
}

int control__start(struct control *c)
{
	int ret = -pthread_create(&c->thread, NULL, control_thread, c);

	if (ret < 0)
		return ret;
	pthread_setname_np(c->thread, "control");
	c->started = true;
	return 0;
}

void control__destroy(struct control *c)
{
	unsigned i;

	if (c->started) {
		if (write(c->stop_pipe[1], "x", 1) < 0)
			pthread_cancel(c->thread);
		pthread_join(c->thread, NULL);
		c->started = false;
	}
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->client[i].fd >= 0 || c->client[i].buf)
			client_close(&c->client[i]);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->path)
		unlink(c->path);
	free(c->path);
	c->path = NULL;
	for (i = 0; i < 2; i++)
		if (c->stop_pipe[i] >= 0)
			close(c->stop_pipe[i]);
	c->listen_fd = c->stop_pipe[0] = c->stop_pipe[1] = -1;
}
