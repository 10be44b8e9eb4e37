/*
 * Control socket requests: the input is a request line for
 * control__handle, the protocol without the socket, with a command table
 * whose commands accept, reject and echo arguments. Oracle: every request,
 * however malformed, gets exactly one line back that is a JSON object with
 * either "return" or an "error" of a known class, and "id" echoed when the
 * request was an object carrying one.
 */
#include <errno.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmd_echo(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen)
{
	(void)opaque, (void)err, (void)errlen;
	*ret = json_deep_copy(args);
	return 0;
}

static int cmd_fail(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen)
{
	(void)opaque, (void)args, (void)ret;
	snprintf(err, errlen, "it failed");
	return -EINVAL;
}

static int cmd_none(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen)
{
	(void)opaque, (void)args, (void)err, (void)errlen;
	*ret = NULL;
	return 0;
}

static const struct control_command cmds[] = {
	{ "echo", cmd_echo }, { "fail", cmd_fail }, { "query-status", cmd_none },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct control c = { .cmds = cmds, .nr_cmds = 3, .listen_fd = -1 };
	json_t *req, *rep, *err;
	json_error_t je;
	char *line;
	size_t n;

	line = control__handle(&c, (const char *)data, size);
	FZ_CHECK(line);
	n = strlen(line);
	FZ_CHECK(n > 0 && line[n - 1] == '\n' && !memchr(line, '\n', n - 1));
	rep = json_loads(line, 0, &je);
	FZ_CHECK(json_is_object(rep));
	err = json_object_get(rep, "error");
	FZ_CHECK(!json_object_get(rep, "return") != !err);
	if (err) {
		const char *cls = json_string_value(json_object_get(err, "class"));

		FZ_CHECK(cls && (!strcmp(cls, "GenericError") || !strcmp(cls, "CommandNotFound")));
		FZ_CHECK(json_is_string(json_object_get(err, "desc")));
	}
	req = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (json_is_object(req) && json_object_get(req, "id") && !memchr(data, 0, size))
		FZ_CHECK(json_object_get(rep, "id"));
	json_decref(req);
	json_decref(rep);
	free(line);
	return 0;
}
