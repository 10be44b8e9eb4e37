/*
 * A disk image as virtio-blk's backend sees it: a raw file or block device
 * of whole 512-byte sectors, opened read-only, read-write or as a
 * snapshot.
 *
 * Snapshot: the image is opened read-only and the guest's writes go to a
 * private overlay (an unlinked sparse temporary file of the same size); a
 * bitmap with one bit per sector says which sectors the overlay holds.
 * Bits are set when a write completes, so a failed write leaves the base's
 * data visible. The overlay vanishes with the process.
 *
 * Thread safety: any number of I/O threads may use one image; the bitmap
 * is updated with atomic operations.
 */
#ifndef MVMM_DISK_H
#define MVMM_DISK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define DISK_SECTOR	512ULL

struct disk_params {
	const char *path;
	bool readonly;
	bool snapshot;
	bool direct;		/* O_DIRECT */
	const char *tmpdir;	/* snapshot overlays; NULL: $TMPDIR, /var/tmp or /tmp */
};

struct disk {
	int fd;			/* the image */
	int overlay_fd;		/* snapshot: where writes go; else -1 */
	uint64_t size;		/* bytes, a multiple of DISK_SECTOR */
	uint64_t sectors;
	bool readonly;		/* the guest cannot write */
	bool snapshot;
	bool blockdev;
	uint32_t phys_block;	/* physical block size (bytes), for TOPOLOGY */
	uint64_t *bitmap;	/* snapshot: sector written to the overlay */
	uint64_t bitmap_len;	/* bytes mapped */
};

/*
 * Open @p->path. Errors (with a reason in @why, e.g. "is empty", "size
 * 1000 is not a multiple of 512"): -ENOENT, -EACCES, -EINVAL (empty, not a
 * multiple of 512, not a regular file or block device), -EROFS (read-only
 * file without readonly or snapshot).
 */
int disk__open(struct disk *d, const struct disk_params *p, char *why, size_t whylen);
void disk__close(struct disk *d);

/* The fd a write of [@sector, +@n) goes to. */
int disk__write_fd(const struct disk *d);
/* The fd holding all of [@sector, +@n) for a read, or -1 when a snapshot's
 * range is split between base and overlay (use disk__read_split). */
int disk__read_fd(const struct disk *d, uint64_t sector, uint64_t n);
/* A split snapshot read, synchronously, run by run. 0 or -errno. */
int disk__read_split(const struct disk *d, const struct iovec *iov, unsigned nr,
		     uint64_t sector, uint64_t n);
/* A write (or zeroing) of [@sector, +@n) completed: the overlay holds it. */
void disk__mark(struct disk *d, uint64_t sector, uint64_t n);

#endif
