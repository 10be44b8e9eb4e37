/*
 * Privilege drop seam: [machine] user / group. mvmm opens everything it
 * needs as the user that started it (usually root: /dev/kvm, TAPs, vhost,
 * disks, hugetlbfs), then, before the first guest instruction, becomes
 * @uid/@gid for good: supplementary groups replaced by @gid alone, real,
 * effective and saved ids all changed (so no capability is left and none
 * can be regained), checked after the change. glibc applies the change to
 * every thread that exists (its setxid broadcast), which is why the
 * sandbox's device list allows the three calls. The kernel then marks
 * mvmm non-dumpable, and it stays so: no other process of @uid may ptrace
 * it (and take its KVM, TAP and disk fds).
 *
 * After the drop mvmm opens only what the guest's run needs anew: the
 * placement report (--report-json, written at start and exit), so its
 * directory must be writable by @uid: preflight checks it by its mode
 * before the VM exists, privdrop__drop once more after the change.
 */
#ifndef MVMM_PRIVDROP_H
#define MVMM_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* @user: a name or a numeric uid, not root. @has_gid says whether it has a
 * primary group (@gid): a uid without a passwd entry has none. */
int privdrop__user(const char *user, uid_t *uid, gid_t *gid, bool *has_gid, char *why,
		   size_t whylen);
/* @group: a name or a numeric gid. */
int privdrop__group(const char *group, gid_t *gid, char *why, size_t whylen);

/* The directory @path's file goes into ("." for a bare name), in @buf. */
const char *privdrop__dir_of(const char *path, char *buf, size_t len);
/* Whether @uid with group @gid alone may create files in @dir, by its
 * owner, group and mode (what preflight can tell before the drop). */
bool privdrop__may_write(const char *dir, uid_t uid, gid_t gid);

/* Become @uid/@gid (see above); @writable_dir, when not NULL, must be
 * writable afterwards. 0, or -errno and one line in @err. */
int privdrop__drop(uid_t uid, gid_t gid, const char *writable_dir, char *err, size_t errlen);

#endif
