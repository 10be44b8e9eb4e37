/*
 * Control socket seam: a Unix stream socket (mode 0600) served by one
 * thread that never runs guest code. Framing is QMP's without the
 * capabilities handshake: one JSON object per line,
 *   {"execute": "NAME", "arguments": {...}, "id": ANY}
 * answered by one line, {"return": {...}} or {"error": {"class": C,
 * "desc": "..."}}, with "id" echoed when given. Classes: GenericError (bad
 * JSON, bad arguments, a failed request), CommandNotFound. A malformed or
 * oversized request (> CONTROL_MAX_LINE bytes) gets an error and the
 * connection stays usable; a client that vanishes harms nothing; a client
 * that does not read its replies is dropped. Requests run one at a time,
 * in the server thread, through the owner's command table.
 */
#ifndef MVMM_CONTROL_H
#define MVMM_CONTROL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "vmm/sandbox.h"

#define CONTROL_MAX_LINE	65536
#define CONTROL_MAX_CLIENTS	16
#define CONTROL_ERR_LEN		256

/* Run one request: 0 with *@ret set (a new reference; NULL means {}), or a
 * negative errno with a one-line reason in @err. @args is an object (empty
 * when the request had none). */
typedef int (*control_fn)(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen);

struct control_command {
	const char *name;
	control_fn fn;
};

struct control_client {
	int fd;				/* -1: free slot */
	char *buf;			/* CONTROL_MAX_LINE + 1 */
	size_t len;
	bool discarding;		/* inside an oversized line */
};

struct control {
	int listen_fd, stop_pipe[2];
	char *path;
	const struct control_command *cmds;
	unsigned nr_cmds;
	void *opaque;
	pthread_t thread;
	bool started;
	struct control_client client[CONTROL_MAX_CLIENTS];
	unsigned long requests, errors;	/* served, answered with an error */
	enum sandbox_mode sandbox;	/* the thread's seccomp filter (set before start) */
};

/* Create and listen on @path (a stale socket there is replaced; any other
 * file is -EEXIST). -errno with one line in @err. */
int control__init(struct control *c, const char *path, const struct control_command *cmds,
		  unsigned nr_cmds, void *opaque, char *err, size_t errlen);
/* Start serving in a thread named "control". */
int control__start(struct control *c);
/* Stop the thread, close every client, remove the socket. Safe after a
 * failed init. */
void control__destroy(struct control *c);

/* One request line in, one reply line (malloc'ed, with '\n') out: the
 * protocol without the socket, for tests and the server itself. */
char *control__handle(struct control *c, const char *line, size_t len);

#endif
