/*
 * Disk images: open and check, snapshot overlays (see disk.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "devices/virtio/disk.h"
#include "devices/virtio/virtqueue.h"
#include "vmm/util.h"

/* Where overlays go: @tmpdir, else $TMPDIR, else /var/tmp (meant for big
 * files), else /tmp. */
static const char *overlay_dir(const char *tmpdir)
{
	const char *env = getenv("TMPDIR");
	struct stat st;

	if (tmpdir)
		return tmpdir;
	if (env && *env)
		return env;
	return !stat("/var/tmp", &st) && S_ISDIR(st.st_mode) ? "/var/tmp" : "/tmp";
}

static int overlay_open(struct disk *d, const char *tmpdir)
{
	const char *dir = overlay_dir(tmpdir);
	char path[PATH_MAX];
	int fd;
	/* O_TMPFILE where the filesystem has it: never visible by name. */
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/mvmm-overlay.XXXXXX", dir);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0)
			return -errno;
		unlink(path);
	}
	if (ftruncate(fd, d->size) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	d->overlay_fd = fd;
	/* One bit per sector, in anonymous memory: untouched pages cost nothing. */
	d->bitmap_len = ALIGN_UP((d->sectors + 63) / 64 * 8, SZ_4K);
	d->bitmap = mmap(NULL, d->bitmap_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d->bitmap == MAP_FAILED) {
		d->bitmap = NULL;
		return -ENOMEM;
	}
	return 0;
}

int disk__open(struct disk *d, const struct disk_params *p, char *why, size_t whylen)
{
	int flags = O_CLOEXEC | (p->direct ? O_DIRECT : 0);
	bool rw = !p->readonly && !p->snapshot;
	struct stat st;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = d->overlay_fd = -1;
	d->readonly = p->readonly;
	d->snapshot = p->snapshot && !p->readonly;
	if (stat(p->path, &st) < 0) {
		ret = -errno;
		snprintf(why, whylen, "%s", strerror(errno));
		return ret;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(why, whylen, "is not a regular file or block device");
		return -EINVAL;
	}
	d->blockdev = S_ISBLK(st.st_mode);
	/* Root opens a file without write permission read-write anyway; the
	 * mode still says the owner meant it read-only. */
	if (rw && S_ISREG(st.st_mode) && !(st.st_mode & 0222)) {
		snprintf(why, whylen, "is read-only (mode %04o; set readonly = yes or snapshot = yes)",
			 (unsigned)(st.st_mode & 07777));
		return -EROFS;
	}
	d->fd = open(p->path, flags | (rw ? O_RDWR : O_RDONLY));
	if (d->fd < 0) {
		ret = -errno;
		if (rw && (errno == EACCES || errno == EROFS || errno == EPERM) &&
		    !access(p->path, R_OK)) {
			snprintf(why, whylen, "is read-only (set readonly = yes or snapshot = yes)");
			return -EROFS;
		}
		snprintf(why, whylen, "cannot be opened: %s", strerror(-ret));
		return ret;
	}
	if (d->blockdev) {
		unsigned pbs = 0;

		if (ioctl(d->fd, BLKGETSIZE64, &d->size) < 0) {
			ret = -errno;
			snprintf(why, whylen, "BLKGETSIZE64: %s", strerror(errno));
			goto err;
		}
		d->phys_block = ioctl(d->fd, BLKPBSZGET, &pbs) == 0 && pbs ? pbs : 4096;
	} else {
		d->size = st.st_size;
		d->phys_block = 4096;
	}
	if (!d->size) {
		snprintf(why, whylen, "is empty");
		ret = -EINVAL;
		goto err;
	}
	if (d->size % DISK_SECTOR) {
		snprintf(why, whylen, "has %llu bytes, not a multiple of 512",
			 (unsigned long long)d->size);
		ret = -EINVAL;
		goto err;
	}
	d->sectors = d->size / DISK_SECTOR;
	if (d->snapshot) {
		ret = overlay_open(d, p->tmpdir);
		if (ret) {
			snprintf(why, whylen, "snapshot overlay: %s", strerror(-ret));
			goto err;
		}
	}
	return 0;
err:
	disk__close(d);
	return ret;
}

void disk__close(struct disk *d)
{
	if (d->bitmap)
		munmap(d->bitmap, d->bitmap_len);
	if (d->overlay_fd >= 0)
		close(d->overlay_fd);
	if (d->fd >= 0)
		close(d->fd);
	d->bitmap = NULL;
	d->fd = d->overlay_fd = -1;
}

static bool written(const struct disk *d, uint64_t s)
{
	return __atomic_load_n(&d->bitmap[s / 64], __ATOMIC_ACQUIRE) & (1ULL << (s % 64));
}

int disk__write_fd(const struct disk *d)
{
	return d->snapshot ? d->overlay_fd : d->fd;
}

int disk__read_fd(const struct disk *d, uint64_t sector, uint64_t n)
{
	uint64_t s;
	bool first;

	if (!d->snapshot || !n)
		return d->fd;
	first = written(d, sector);
	for (s = sector + 1; s < sector + n; s++)
		if (written(d, s) != first)
			return -1;
	return first ? d->overlay_fd : d->fd;
}

int disk__read_split(const struct disk *d, const struct iovec *iov, unsigned nr,
		     uint64_t sector, uint64_t n)
{
	struct iovec sub[IOV_MAX];
	uint64_t s = sector, run, done;
	unsigned k;
	ssize_t r;
	int fd;

	while (s < sector + n) {
		bool w = written(d, s);

		for (run = 1; s + run < sector + n && written(d, s + run) == w; run++)
			;
		fd = w ? d->overlay_fd : d->fd;
		for (done = 0; done < run * DISK_SECTOR; done += r) {
			k = vq__iov_slice(iov, nr, (s - sector) * DISK_SECTOR + done,
				      run * DISK_SECTOR - done, sub, IOV_MAX);
			r = preadv(fd, sub, k, (s * DISK_SECTOR) + done);
			if (r < 0)
				return -errno;
			if (!r)
				return -EIO;
		}
		s += run;
	}
	return 0;
}

void disk__mark(struct disk *d, uint64_t sector, uint64_t n)
{
	uint64_t s = sector, end = sector + n;

	if (!d->snapshot)
		return;
	while (s < end) {
		uint64_t bits = MIN(64 - s % 64, end - s);
		uint64_t mask = bits == 64 ? ~0ULL : ((1ULL << bits) - 1) << (s % 64);

		__atomic_fetch_or(&d->bitmap[s / 64], mask, __ATOMIC_RELEASE);
		s += bits;
	}
}
