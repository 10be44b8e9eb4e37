/*
 * Config loading: the INI contract of docs/config.md on top of libinih.
 *
 * libinih does the lexing. A reader of our own hands it one physical line at
 * a time, so we always know the line number (Debian's libinih is built
 * without INI_HANDLER_LINENO), and it sees every section header, which
 * libinih does not report (no INI_CALL_HANDLER_ON_NEW_SECTION): that is how
 * empty, unknown and repeated sections are caught. Sections and keys are
 * tables: a section is a name, an open() returning the object its keys fill,
 * and a key table; a key is a name, a setter and the offsets of its field and
 * of the line it was set on (a nonzero line means set: a duplicate). Adding a
 * section is a struct, an open() and a table entry (see config_priv.h;
 * sections may live in their own vmm/config_<thing>.c).
 *
 * The first error stops parsing; it is the one reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/config.h"
#include "vmm/config_priv.h"
#include "vmm/privdrop.h"
#include "vmm/layout.h"
#include "vmm/util.h"

#define CONFIG_MAX_FILE	(1U << 20)	/* a machine description, not a data file */

const char *cfgp_show(char *out, size_t outlen, const char *v, size_t max)
{
	size_t o = 0, i;

	for (i = 0; v[i] && o + 8 < outlen; i++) {
		unsigned char c = v[i];

		if (i == max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f)
			out[o++] = c;
		else
			o += snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

/* gcc does not second-guess vsnprintf: cutting a long message is intended. */
void cfgp_bprintf(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;

	if (!out || !outlen)
		return;
	va_start(ap, fmt);
	vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
}

int cfgp_perr(struct cfg_parser *p, unsigned line, const char *fmt, ...)
{
	char file[CFG_SHOW_LEN(CFG_SHOW_FILE)], msg[CONFIG_ERR_LEN];
	va_list ap;

	if (p->err_line)
		return p->err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->set_spec)
		cfgp_bprintf(p->errbuf, p->errlen, "--set %s: %s",
			     cfgp_show(file, sizeof(file), p->set_spec, CFG_SHOW_VALUE), msg);
	else
		cfgp_bprintf(p->errbuf, p->errlen, "%s:%u: %s",
			     cfgp_show(file, sizeof(file), p->cfg->file, CFG_SHOW_FILE), line, msg);
	p->err_line = line;
	p->err = -EINVAL;
	return p->err;
}

int cfgp_expected(struct cfg_parser *p, const struct cfg_key *k, const char *v,
		  const char *fmt, ...)
{
	char what[160], val[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return cfgp_perr(p, p->lineno, "[%s] %s: expected %s, got '%s'", p->sec_name, k->name,
			 what, CFGP_SHOW(val, v));
}

/* Text of line @n of the file, for syntax errors. */
static const char *line_text(const struct cfg_parser *p, unsigned n, char *out, size_t outlen)
{
	const char *s = p->buf, *end = p->buf + p->len, *nl;
	char line[CFG_SHOW_VALUE + 2];
	size_t len;

	for (; n > 1 && s < end; n--) {
		nl = memchr(s, '\n', end - s);
		s = nl ? nl + 1 : end;
	}
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	nl = memchr(s, '\n', end - s);
	len = (nl ? nl : end) - s;
	if (len && s[len - 1] == '\r')
		len--;
	/* One char more than shown, so that cfgp_show() marks the cut. */
	len = MIN(len, sizeof(line) - 1);
	memcpy(line, s, len);
	line[len] = '\0';
	return cfgp_show(out, outlen, line, CFG_SHOW_VALUE);
}

static int syntax_error(struct cfg_parser *p, unsigned line)
{
	char text[CFG_SHOW_LEN(CFG_SHOW_VALUE)];

	return cfgp_perr(p, line, "expected '[section]' or 'key = value', got '%s'",
			 line_text(p, line, text, sizeof(text)));
}

const char *cfgp_fmt_size(char *out, size_t outlen, uint64_t n)
{
	static const char units[] = "TGMK";
	unsigned i;

	for (i = 0; i < 4; i++) {
		unsigned shift = 10 * (4 - i);

		if (n && !(n & ((1ULL << shift) - 1))) {
			snprintf(out, outlen, "%" PRIu64 "%c", n >> shift, units[i]);
			return out;
		}
	}
	snprintf(out, outlen, "%" PRIu64, n);
	return out;
}

/* Setters */

int cfgp_set_unsigned(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	uint64_t n;

	if (config__parse_uint(v, k->max, &n) < 0 || n < k->min)
		return cfgp_expected(p, k, v, "a number between %" PRIu64 " and %" PRIu64,
				k->min, k->max);
	*(unsigned *)cfgp_field(obj, k->off) = n;
	return 0;
}

int cfgp_set_size(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	char lo[24], hi[24];
	uint64_t n;
	int r;

	r = config__parse_size(v, &n);
	if (r == -EINVAL)
		return cfgp_expected(p, k, v, "a size like 512M or 8G");
	if (r < 0 || n < k->min || n > k->max)
		return cfgp_expected(p, k, v, "a size between %s and %s",
				cfgp_fmt_size(lo, sizeof(lo), k->min), cfgp_fmt_size(hi, sizeof(hi), k->max));
	if (k->align && n % k->align)
		return cfgp_expected(p, k, v, "a multiple of %s", cfgp_fmt_size(lo, sizeof(lo), k->align));
	*(uint64_t *)cfgp_field(obj, k->off) = n;
	return 0;
}

int cfgp_replace_string(struct cfg_parser *p, char **dst, char *s)
{
	if (!s) {
		cfgp_perr(p, p->lineno, "out of memory");
		return p->err = -ENOMEM;
	}
	free(*dst);
	*dst = s;
	return 0;
}

int cfgp_set_string(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	return cfgp_replace_string(p, cfgp_field(obj, k->off), strdup(v));
}

bool cfgp_valid_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int cfgp_set_name(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	size_t i, len = strlen(v);

	for (i = 0; i < len && cfgp_valid_name_char(v[i]); i++)
		;
	if (!len || len > CFG_NAME_MAX_LEN || i < len)
		return cfgp_expected(p, k, v, "1 to %d characters of A-Z a-z 0-9 . _ -", CFG_NAME_MAX_LEN);
	return cfgp_set_string(p, k, obj, v);
}

/* Relative paths are relative to the config file, not to mvmm's cwd. */
int cfgp_set_path(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	char *path;

	if (!*v)
		return cfgp_expected(p, k, v, "a path");
	if (v[0] == '/' || !p->dir)
		path = strdup(v);
	else if (asprintf(&path, "%s%s%s", p->dir,
			  p->dir[strlen(p->dir) - 1] == '/' ? "" : "/", v) < 0)
		path = NULL;
	return cfgp_replace_string(p, cfgp_field(obj, k->off), path);
}

int cfgp_set_unsupported(struct cfg_parser *p, const struct cfg_key *k, void *obj,
			 const char *v)
{
	(void)obj;
	(void)v;
	return cfgp_perr(p, p->lineno, "[%s] %s: not supported yet", p->sec_name, k->name);
}

/* uint64_t nanoseconds: a duration (config__parse_duration), 0 allowed. */
static int cfgp_set_duration(struct cfg_parser *p, const struct cfg_key *k, void *obj,
			     const char *v)
{
	uint64_t ns;

	if (config__parse_duration(v, &ns) < 0)
		return cfgp_expected(p, k, v, "a duration like 30s, 1500ms, 5m or 0");
	*(uint64_t *)cfgp_field(obj, k->off) = ns;
	return 0;
}

/* [machine] */

static int set_seccomp(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	enum sandbox_mode *f = cfgp_field(obj, k->off);

	if (!strcmp(v, "on"))
		*f = SANDBOX_ON;
	else if (!strcmp(v, "log"))
		*f = SANDBOX_LOG;
	else if (!strcmp(v, "off"))
		*f = SANDBOX_OFF;
	else
		return cfgp_expected(p, k, v, "on, log or off");
	return 0;
}

#define MKEY(key, setter, fld, ...) {						\
	.name = key, .set = setter, .off = offsetof(struct vm_config, fld),	\
	.line_off = offsetof(struct vm_config, line.fld), __VA_ARGS__ }
#define MKEY_LINE(key, setter, fld, lfld) {					\
	.name = key, .set = setter, .off = offsetof(struct vm_config, fld),	\
	.line_off = offsetof(struct vm_config, line.lfld) }
/* In the INI contract, implemented by later issues. */
#define LATER(key) { .name = key, .set = cfgp_set_unsupported, .line_off = CFG_NO_LINE }

static const struct cfg_key machine_keys[] = {
	MKEY("name", cfgp_set_name, name),
	MKEY("cpus", cfgp_set_unsigned, cpus, .min = 1, .max = CONFIG_MAX_VCPUS),
	MKEY("sockets", cfgp_set_unsigned, sockets, .min = 1, .max = CONFIG_MAX_VCPUS),
	MKEY("cores", cfgp_set_unsigned, cores, .min = 1, .max = CONFIG_MAX_VCPUS),
	MKEY("threads", cfgp_set_unsigned, threads, .min = 1, .max = CONFIG_MAX_VCPUS),
	MKEY("memory", cfgp_set_size, memory, .min = CONFIG_MIN_MEMORY, .max = CONFIG_MAX_MEMORY,
	     .align = SZ_1M),
	MKEY("kernel", cfgp_set_path, kernel),
	MKEY("initrd", cfgp_set_path, initrd),
	MKEY("cmdline", cfgp_set_string, cmdline),
	MKEY("hugepages", cfgp_set_hugepages, hugepages),
	MKEY("mem_path", cfgp_set_path, mem_path),
	MKEY("shared", cfgp_set_bool, shared),
	MKEY("prefault", cfgp_set_bool, prefault),
	MKEY("thp", cfgp_set_bool, thp),
	MKEY("nested", cfgp_set_bool, nested),
	MKEY("emulator_cpus", cfgp_set_idlist, emulator_cpus, .min = 1, .max = IDSET_MAX),
	MKEY("api_socket", cfgp_set_path, api_socket),
	MKEY_LINE("shutdown_timeout", cfgp_set_duration, shutdown_timeout_ns, shutdown_timeout),
	MKEY("seccomp", set_seccomp, seccomp),
	MKEY("user", cfgp_set_string, user),
	MKEY("group", cfgp_set_string, group),
};

static void *machine_open(struct cfg_parser *p, const char *id)
{
	(void)id;
	return p->cfg;
}

static const struct cfg_section machine_section = {
	.name = "machine", .open = machine_open,
	.keys = machine_keys, .nkeys = ARRAY_SIZE(machine_keys),
};

/* Every section (family). Order matters only for .finish: a section's
 * cross-checks may rely on those before it. */
static const struct cfg_section *const sections[] = {
	&machine_section,
	&config_numa_section,
	&config_distance_section,
	&config_hmat_section,
	&config_vcpu_section,
	&config_pcie_section,		/* config_pci.c; after the nodes it refers to */
	&config_disk_section,		/* config_disk.c; its buses before the bus check */
	&config_net_section,		/* config_net.c; likewise */
	&config_vsock_section,		/* config_vsock.c; likewise */
	&config_pmem_section,		/* config_pmem.c; after the nodes */
	&config_device_section,
};
_Static_assert(ARRAY_SIZE(sections) <= CFG_MAX_SECTIONS, "raise CFG_MAX_SECTIONS");

/* A "[...]" line, seen by the reader before libinih gets it. */
static int section_start(struct cfg_parser *p, char *line)
{
	char name[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	const struct cfg_section *s;
	char *start, *end, *rest, saved;
	const char *id = NULL;
	size_t n;
	unsigned i;

	end = strchr(line, ']');
	if (!end)
		return syntax_error(p, p->lineno);
	for (rest = end + 1; *rest == ' ' || *rest == '\t' || *rest == '\r'; rest++)
		;
	if (*rest != '\n' && *rest != ';')
		return syntax_error(p, p->lineno);
	for (start = line + 1; *start == ' ' || *start == '\t'; start++)
		;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = end - start;

	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		size_t len = strlen(sections[i]->name);

		if (sections[i]->name[len - 1] == '.') {
			if (n > len && !strncmp(start, sections[i]->name, len))
				break;
		} else if (n == len && !strncmp(start, sections[i]->name, len)) {
			break;
		}
	}
	saved = *end;	/* cut the name out of the line libinih gets next */
	*end = '\0';
	if (i == ARRAY_SIZE(sections)) {
		cfgp_perr(p, p->lineno, "unknown section [%s]", CFGP_SHOW(name, start));
		goto out;
	}
	s = sections[i];
	if (s->name[strlen(s->name) - 1] == '.') {
		id = start + strlen(s->name);
	} else {
		if (p->first_line[i]) {
			cfgp_perr(p, p->lineno, "repeated section [%s] (first at line %u)", s->name,
				  p->first_line[i]);
			goto out;
		}
		p->first_line[i] = p->lineno;
		id = "";
	}
	cfgp_bprintf(p->sec_name, sizeof(p->sec_name), "%s", start);
	p->obj = s->open(p, id);
	p->sec = p->obj ? s : NULL;
out:
	*end = saved;
	return p->err_line ? p->err : 0;
}

/*
 * libinih reader: one physical line per call, so that libinih's line count
 * is ours. Returning NULL ends the parse, which is how the first error stops
 * it. Leading blanks are dropped because libinih would take an indented line
 * for the continuation of the previous value, which nobody expects here.
 */
static char *next_line(char *str, int num, void *stream)
{
	struct cfg_parser *p = stream;
	const char *s, *end, *nl;
	size_t n;

	if (p->err_line || p->pos >= p->len)
		return NULL;
	s = p->buf + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	end = nl ? nl : p->buf + p->len;
	p->pos = end - p->buf + (nl != NULL);
	p->lineno++;

	if (memchr(s, '\0', end - s)) {
		cfgp_perr(p, p->lineno, "unexpected NUL byte (not a text file?)");
		return NULL;
	}
	if (p->lineno == 1 && end - s >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3;	/* UTF-8 BOM */
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (end > s && end[-1] == '\r')
		end--;
	n = end - s;
	/* libinih's line buffer is fixed (200 bytes in Debian's build). */
	if (num < 2 || n > (size_t)num - 2) {
		cfgp_perr(p, p->lineno, "line too long (more than %d characters)", num - 2);
		return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	if (str[0] == '[' && section_start(p, str) < 0)
		return NULL;
	return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_parser *p = user;
	char shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	const struct cfg_key *k = NULL;
	unsigned *line = NULL;
	size_t i;

	(void)section;	/* p->sec, set by the reader, is the parsed form */
	if (p->err_line)
		return 0;
	if (!*name) {
		syntax_error(p, p->lineno);
		return 0;
	}
	if (!p->sec) {
		cfgp_perr(p, p->lineno, "%s: key outside any section (expected a [section] line first)",
			  CFGP_SHOW(shown, name));
		return 0;
	}
	for (i = 0; i < p->sec->nkeys && !k; i++)
		if (!strcmp(p->sec->keys[i].name, name))
			k = &p->sec->keys[i];
	if (!k && p->sec->other_key)
		return p->sec->other_key(p, p->obj, name, value) < 0 ? 0 : 1;
	if (!k) {
		cfgp_perr(p, p->lineno, "[%s] %s: unknown key", p->sec_name, CFGP_SHOW(shown, name));
		return 0;
	}
	if (k->line_off != CFG_NO_LINE) {
		line = cfgp_field(p->obj, k->line_off);
		if (*line && !p->set_spec) {
			cfgp_perr(p, p->lineno, "[%s] %s: duplicate key (first set at line %u)",
				  p->sec_name, k->name, *line);
			return 0;
		}
	}
	if (k->set(p, k, p->obj, value) < 0)
		return 0;
	if (line)
		*line = p->lineno;
	return 1;
}

/* The whole file, NUL-terminated; -EFBIG past CONFIG_MAX_FILE. */
static int read_file(const char *path, char **out, size_t *outlen)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nbuf;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > CONFIG_MAX_FILE) {
				r = -EFBIG;
				goto err;
			}
			cap = cap ? cap * 2 : 4096;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				r = -ENOMEM;
				goto err;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto err;
		}
		if (n == 0)
			break;
		len += n;
	}
	if (len > CONFIG_MAX_FILE) {
		r = -EFBIG;
		goto err;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
err:
	free(buf);
	close(fd);
	return r;
}

/* "dir" of "dir/node.ini"; NULL for a bare file name (paths stay as written). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return NULL;
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* Default name: the file name without directory and extension, made valid. */
static char *name_from_file(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;
	size_t i, len;
	char *name;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (!len)
		return strdup("mvmm");
	name = strndup(base, MIN(len, (size_t)CFG_NAME_MAX_LEN));
	for (i = 0; name && name[i]; i++)
		if (!cfgp_valid_name_char(name[i]))
			name[i] = '_';
	return name;
}

int config__init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cpus = 1;
	cfg->sockets = 1;
	cfg->threads = 1;
	cfg->memory = CONFIG_DEFAULT_MEMORY;
	cfg->thp = true;
	cfg->shutdown_timeout_ns = CONFIG_DEFAULT_SHUTDOWN_TIMEOUT;
	cfg->seccomp = SANDBOX_ON;
	cfg->name = strdup("mvmm");
	cfg->cmdline = strdup(CONFIG_DEFAULT_CMDLINE);
	if (!cfg->name || !cfg->cmdline) {
		config__free(cfg);
		return -ENOMEM;
	}
	return 0;
}

int config__load(struct vm_config *cfg, const char *path, char *err, size_t errlen)
{
	struct cfg_parser p = { .cfg = cfg, .errbuf = err, .errlen = errlen };
	char file[CFG_SHOW_LEN(CFG_SHOW_FILE)];
	char *buf = NULL, *dir = NULL, *name;
	int r;

	cfgp_bprintf(err, errlen, "%s", "");
	r = config__init(cfg);
	if (r < 0)
		goto nomem;
	cfg->file = strdup(path);
	if (!cfg->file) {
		r = -ENOMEM;
		goto nomem;
	}
	r = read_file(path, &buf, &p.len);
	if (r < 0) {
		cfgp_bprintf(err, errlen, "%s: cannot read: %s", cfgp_show(file, sizeof(file), path, CFG_SHOW_FILE),
			r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		goto err;
	}
	p.buf = buf;
	if (strchr(path, '/') && !(p.dir = dir = dir_of(path))) {
		r = -ENOMEM;
		goto nomem;
	}

	r = ini_parse_stream(next_line, &p, on_key, &p);
	/* libinih's return is the first line it failed: its own syntax error
	 * if that is before ours. */
	if (r > 0 && (!p.err_line || (unsigned)r < p.err_line)) {
		p.err_line = 0;
		syntax_error(&p, r);
	} else if (r < 0 && !p.err_line) {
		r = -ENOMEM;	/* -2: libinih's allocation failed */
		goto nomem;
	}
	if (p.err_line) {
		r = p.err;
		goto err;
	}

	if (!cfg->line.name) {
		name = name_from_file(path);
		if (!name) {
			r = -ENOMEM;
			goto nomem;
		}
		free(cfg->name);
		cfg->name = name;
	}
	free(dir);
	free(buf);
	return 0;
nomem:
	cfgp_bprintf(err, errlen, "%s: out of memory", cfgp_show(file, sizeof(file), path, CFG_SHOW_FILE));
err:
	free(dir);
	free(buf);
	config__free(cfg);
	return r;
}

static int override_path(char **dst, unsigned *line, const char *opt, const char *v,
			 char *err, size_t errlen)
{
	char shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	char *s;

	if (!*v) {
		cfgp_bprintf(err, errlen, "--%s: expected a path, got '%s'", opt, CFGP_SHOW(shown, v));
		return -EINVAL;
	}
	s = strdup(v);
	if (!s) {
		cfgp_bprintf(err, errlen, "--%s: out of memory", opt);
		return -ENOMEM;
	}
	free(*dst);
	*dst = s;
	*line = CONFIG_LINE_CLI;
	return 0;
}

int config__override(struct vm_config *cfg, const char *kernel, const char *initrd,
		     const char *append, char *err, size_t errlen)
{
	int r;

	if (kernel && (r = override_path(&cfg->kernel, &cfg->line.kernel, "kernel", kernel,
					 err, errlen)) < 0)
		return r;
	if (initrd && (r = override_path(&cfg->initrd, &cfg->line.initrd, "initrd", initrd,
					 err, errlen)) < 0)
		return r;
	if (append) {
		char *s = strdup(append);

		if (!s) {
			cfgp_bprintf(err, errlen, "--append: out of memory");
			return -ENOMEM;
		}
		free(cfg->cmdline);
		cfg->cmdline = s;
		cfg->line.cmdline = CONFIG_LINE_CLI;
	}
	return 0;
}

/* "numa.1.host_node=0": the section by its table name; a family's id runs
 * to the last '.', a singleton's key is everything after its name (hmat
 * keys hold dots: "hmat.latency.0-1"). */
int config__set(struct vm_config *cfg, const char *spec, char *err, size_t errlen)
{
	struct cfg_parser p = {
		.cfg = cfg, .errbuf = err, .errlen = errlen, .set_spec = spec,
		.lineno = CONFIG_LINE_SET,
	};
	const struct cfg_section *s = NULL;
	const char *eq = strchr(spec, '='), *key = NULL;
	char id[CFG_NAME_MAX_LEN + 1], name[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	size_t i, len;

	cfgp_bprintf(err, errlen, "%s", "");
	for (i = 0; eq && i < ARRAY_SIZE(sections) && !s; i++) {
		len = strlen(sections[i]->name);
		if (strncmp(spec, sections[i]->name, len))
			continue;
		if (sections[i]->name[len - 1] == '.') {
			for (key = eq; key > spec + len && key[-1] != '.'; key--)
				;
			if (key <= spec + len + 1 || (size_t)(key - 1 - spec - len) > CFG_NAME_MAX_LEN)
				continue;
			snprintf(id, sizeof(id), "%.*s", (int)(key - 1 - spec - len), spec + len);
		} else if (spec[len] == '.') {
			key = spec + len + 1;
			id[0] = '\0';
		} else {
			continue;
		}
		s = sections[i];
	}
	if (!s || key >= eq)
		return cfgp_perr(&p, p.lineno,
				 "expected SECTION.KEY=VALUE (SECTION: machine, numa.N, distance, hmat, vcpu.N, pcie.NAME, device.NAME, disk.NAME, net.NAME, vsock or pmem.NAME)");
	cfgp_bprintf(p.sec_name, sizeof(p.sec_name), "%.*s", (int)(key - 1 - spec), spec);
	p.obj = s->open(&p, id);
	if (!p.obj)
		return p.err_line ? p.err : -ENOMEM;
	p.sec = s;
	cfgp_bprintf(name, sizeof(name), "%.*s", (int)(eq - key), key);
	on_key(&p, NULL, name, eq + 1);
	return p.err_line ? p.err : 0;
}

const char *config__origin(const struct vm_config *cfg, unsigned line, const char *sec,
			   const char *key, const char *opt, char *out, size_t outlen)
{
	char file[CFG_SHOW_LEN(CFG_SHOW_FILE)];

	const char *sp = *key ? " " : "";	/* "" for the section itself */

	if (line == CONFIG_LINE_CLI)
		cfgp_bprintf(out, outlen, "--%s", opt);
	else if (line == CONFIG_LINE_SET)
		cfgp_bprintf(out, outlen, "--set %s%s%s", sec, *key ? "." : "", key);
	else if (!cfg->file)
		cfgp_bprintf(out, outlen, "[%s]%s%s", sec, sp, key);
	else if (line)
		cfgp_bprintf(out, outlen, "%s:%u: [%s]%s%s",
			     cfgp_show(file, sizeof(file), cfg->file, CFG_SHOW_FILE), line, sec, sp, key);
	else
		cfgp_bprintf(out, outlen, "%s: [%s]%s%s",
			     cfgp_show(file, sizeof(file), cfg->file, CFG_SHOW_FILE), sec, sp, key);
	return out;
}

int config__errorf(const struct vm_config *cfg, char *err, size_t errlen, unsigned line,
		   const char *sec, const char *key, const char *fmt, ...)
{
	char where[CONFIG_ERR_LEN], msg[CONFIG_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config__origin(cfg, line, sec, key, key, where, sizeof(where));
	cfgp_bprintf(err, errlen, "%s: %s", where, msg);
	return -EINVAL;
}

/* [machine] keys after parsing. */
static const char *origin(const struct vm_config *cfg, unsigned line, const char *key,
			  const char *opt, char *out, size_t outlen)
{
	return config__origin(cfg, line, "machine", key, opt, out, outlen);
}

static int check_topology(struct vm_config *cfg, char *err, size_t errlen)
{
	const struct config_machine_lines *l = &cfg->line;
	unsigned s = cfg->sockets, t = cfg->threads, line = l->sockets;
	char where[CONFIG_ERR_LEN];
	const char *key = "sockets";

	/* With guest NUMA nodes, the topology is per node (config_numa.c). */
	if (cfg->numa && cfg->numa->nr_nodes)
		return 0;
	/* Blame the topology key written last. */
	if (l->cores > line) {
		key = "cores";
		line = l->cores;
	}
	if (l->threads > line) {
		key = "threads";
		line = l->threads;
	}
	origin(cfg, line, key, key, where, sizeof(where));
	if (l->cores) {
		if ((uint64_t)s * cfg->cores * t != cfg->cpus) {
			cfgp_bprintf(err, errlen,
				"%s: expected sockets * cores * threads = cpus (%u), got '%u * %u * %u'",
				where, cfg->cpus, s, cfg->cores, t);
			return -EINVAL;
		}
		return 0;
	}
	if (cfg->cpus % (s * t)) {
		cfgp_bprintf(err, errlen, "%s: expected sockets * threads to divide cpus (%u), got '%u * %u'",
			where, cfg->cpus, s, t);
		return -EINVAL;
	}
	cfg->cores = cfg->cpus / (s * t);
	return 0;
}

/* Readable (open succeeds), regular, and non-empty if @nonempty; else a
 * reason in @why. O_NONBLOCK: a FIFO must not hang us. */
static int check_file(const char *path, bool nonempty, char *why, size_t whylen)
{
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(why, whylen, "cannot open: %s", strerror(-r));
	} else if (S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		snprintf(why, whylen, "is a directory");
	} else if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		snprintf(why, whylen, "not a regular file");
	} else if (nonempty && !st.st_size) {
		r = -EINVAL;
		snprintf(why, whylen, "empty file");
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * The boot loaders put the initrd in guest RAM below the 32-bit hole, above
 * the kernel, which is loaded above 1 MiB. An initrd that cannot fit even so
 * is refused here, before the VM exists, instead of by the loader after it
 * (which also knows where the kernel really ends, so it still refuses the
 * near misses this lets through).
 */
static int check_initrd_fits(const struct vm_config *cfg, char *why, size_t whylen)
{
	uint64_t low = MIN(cfg->memory, LAYOUT_MMIO32), room;
	struct stat k, i;

	if (stat(cfg->kernel, &k) < 0 || stat(cfg->initrd, &i) < 0)
		return 0;	/* checked just before; the loader reports it */
	room = low - MIN(low, LAYOUT_HIGHMEM + (uint64_t)k.st_size);
	if ((uint64_t)i.st_size <= room)
		return 0;
	snprintf(why, whylen, "%llu KiB does not fit in the guest's %llu MiB of RAM below 3 GiB "
		 "with the kernel (give the guest more memory)",
		 (unsigned long long)i.st_size >> 10, (unsigned long long)low >> 20);
	return -EFBIG;
}

/* [machine] user / group: known ids, and a group only with a user (alone
 * it would leave root's capabilities in place). */
static int check_user(struct vm_config *cfg, char *err, size_t errlen)
{
	char why[160];
	bool has_gid;

	if (!cfg->user && cfg->group)
		return config__errorf(cfg, err, errlen, cfg->line.group, "machine", "group",
				      "expected user = too (a group alone keeps root's capabilities)");
	if (!cfg->user)
		return 0;
	if (privdrop__user(cfg->user, &cfg->uid, &cfg->gid, &has_gid, why, sizeof(why)) < 0)
		return config__errorf(cfg, err, errlen, cfg->line.user, "machine", "user", "'%s': %s",
				      cfg->user, why);
	if (cfg->group &&
	    privdrop__group(cfg->group, &cfg->gid, why, sizeof(why)) < 0)
		return config__errorf(cfg, err, errlen, cfg->line.group, "machine", "group", "'%s': %s",
				      cfg->group, why);
	if (!cfg->group && !has_gid)
		return config__errorf(cfg, err, errlen, cfg->line.user, "machine", "user",
				      "'%s': uid without a passwd entry, so without a primary group (expected group = too)",
				      cfg->user);
	cfg->drop = true;
	return 0;
}

int config__finish(struct vm_config *cfg, char *err, size_t errlen)
{
	char where[CONFIG_ERR_LEN], why[256], shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	size_t len, i;
	int r;

	cfgp_bprintf(err, errlen, "%s", "");
	r = check_topology(cfg, err, errlen);
	if (r < 0)
		return r;
	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		if (sections[i]->finish && (r = sections[i]->finish(cfg, err, errlen)) < 0)
			return r;
	}

	origin(cfg, cfg->line.kernel, "kernel", "kernel", where, sizeof(where));
	if (!cfg->kernel) {
		cfgp_bprintf(err, errlen, "%s: missing (expected a path to a bzImage or ELF vmlinux, or --kernel)",
			where);
		return -EINVAL;
	}
	why[0] = '\0';
	r = check_file(cfg->kernel, false, why, sizeof(why));
	if (!r)
		r = boot__probe_kernel(cfg->kernel, &cfg->kernel_kind, why, sizeof(why));
	if (r < 0) {
		cfgp_bprintf(err, errlen, "%s: '%s': %s", where, CFGP_SHOW(shown, cfg->kernel),
			why[0] ? why : strerror(-r));
		return r;
	}

	if (cfg->initrd) {
		origin(cfg, cfg->line.initrd, "initrd", "initrd", where, sizeof(where));
		r = check_file(cfg->initrd, true, why, sizeof(why));
		if (!r)
			r = check_initrd_fits(cfg, why, sizeof(why));
		if (r < 0) {
			cfgp_bprintf(err, errlen, "%s: '%s': %s", where, CFGP_SHOW(shown, cfg->initrd), why);
			return r;
		}
	}

	r = check_user(cfg, err, errlen);
	if (r < 0)
		return r;

	len = strlen(cfg->cmdline);
	if (len >= CONFIG_MAX_CMDLINE) {
		origin(cfg, cfg->line.cmdline, "cmdline", "append", where, sizeof(where));
		cfgp_bprintf(err, errlen, "%s: expected at most %u bytes, got '%s' (%zu bytes)", where,
			CONFIG_MAX_CMDLINE - 1, CFGP_SHOW(shown, cfg->cmdline), len);
		return -EINVAL;
	}
	return 0;
}

void config__free(struct vm_config *cfg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sections); i++)
		if (sections[i]->release)
			sections[i]->release(cfg);
	free(cfg->file);
	free(cfg->name);
	free(cfg->kernel);
	free(cfg->initrd);
	free(cfg->cmdline);
	free(cfg->mem_path);
	free(cfg->api_socket);
	free(cfg->user);
	free(cfg->group);
	free(cfg->report_json);
	memset(cfg, 0, sizeof(*cfg));
}
