/* [machine] user / group: resolve at config time, drop before the guest runs. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "vmm/privdrop.h"

/* A decimal id that fits id_t (not -1, which means "unchanged" to setres*id). */
static int parse_id(const char *s, unsigned long *id)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*id = strtoul(s, &end, 10);
	if (errno || *end || *id >= (unsigned long)(id_t)-1)
		return -EINVAL;
	return 0;
}

int privdrop__user(const char *user, uid_t *uid, gid_t *gid, bool *has_gid, char *why,
		   size_t whylen)
{
	struct passwd *pw = getpwnam(user);
	unsigned long id;

	if (!pw && !parse_id(user, &id))
		pw = getpwuid((uid_t)id);
	else if (!pw) {
		snprintf(why, whylen, "no such user (expected a name in the passwd database or a numeric uid)");
		return -ENOENT;
	}
	*uid = pw ? pw->pw_uid : (uid_t)id;
	*has_gid = pw != NULL;
	*gid = pw ? pw->pw_gid : 0;
	if (*uid == 0) {
		snprintf(why, whylen, "root is no drop (expected an unprivileged user)");
		return -EINVAL;
	}
	return 0;
}

int privdrop__group(const char *group, gid_t *gid, char *why, size_t whylen)
{
	struct group *gr = getgrnam(group);
	unsigned long id;

	if (gr) {
		*gid = gr->gr_gid;
	} else if (!parse_id(group, &id)) {
		*gid = (gid_t)id;
	} else {
		snprintf(why, whylen, "no such group (expected a name in the group database or a numeric gid)");
		return -ENOENT;
	}
	return 0;
}

const char *privdrop__dir_of(const char *path, char *buf, size_t len)
{
	char *slash;

	snprintf(buf, len, "%s", path);
	slash = strrchr(buf, '/');
	if (!slash)
		snprintf(buf, len, ".");
	else
		slash[slash == buf] = '\0';	/* "/x" -> "/" */
	return buf;
}

bool privdrop__may_write(const char *dir, uid_t uid, gid_t gid)
{
	struct stat st;
	mode_t need;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	need = st.st_uid == uid ? S_IWUSR | S_IXUSR :
	       st.st_gid == gid ? S_IWGRP | S_IXGRP : S_IWOTH | S_IXOTH;
	return (st.st_mode & need) == need;
}

int privdrop__drop(uid_t uid, gid_t gid, const char *writable_dir, char *err, size_t errlen)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	/* Groups first: after setresuid there is no CAP_SETGID left. */
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0) {
		snprintf(err, errlen, "cannot change to group %u: %s (mvmm needs CAP_SETGID for group =)",
			 (unsigned)gid, strerror(errno));
		return -errno;
	}
	if (setresuid(uid, uid, uid) < 0) {
		snprintf(err, errlen, "cannot change to user %u: %s (mvmm needs CAP_SETUID for user =)",
			 (unsigned)uid, strerror(errno));
		return -errno;
	}
	/* Trust nothing: every id changed, and root cannot be had back (the
	 * raw call tries in this thread only: glibc's would make every thread
	 * try, and the sandboxed ones may not). */
	if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid ||
	    getresgid(&gr, &ge, &gs) < 0 || gr != gid || ge != gid || gs != gid ||
	    syscall(SYS_setresuid, -1, 0, -1) == 0) {
		snprintf(err, errlen, "the change to user %u, group %u did not hold", (unsigned)uid,
			 (unsigned)gid);
		return -EPERM;
	}
	if (writable_dir && access(writable_dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "'%s': not writable by user %u, which must write the placement report there (--report-json)",
			 writable_dir, (unsigned)uid);
		return -EACCES;
	}
	return 0;
}
