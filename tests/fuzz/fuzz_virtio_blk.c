/*
 * virtio-blk queues: requests of every type (IN/OUT/FLUSH/GET_ID/DISCARD/
 * WRITE_ZEROES and garbage) built by the program, served synchronously on
 * the device's io_uring against a 1 MiB image emptied before each input
 * (two queues, so multiqueue selection is covered). See virtio_rig.h.
 */
#include <fcntl.h>
#include <unistd.h>

#include "devices/virtio/blk.h"
#include "tests/fuzz/virtio_rig.h"

#define IMG_SIZE	(1ULL << 20)

static char image[64];
static int image_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir;

	(void)argc;
	(void)argv;
	dir = fz_scratch("blk");
	snprintf(image, sizeof(image), "%s/disk.img", dir);
	image_fd = open(image, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FZ_CHECK(image_fd >= 0);
	return 0;
}

static void poll(void *dev, unsigned q)
{
	struct virtio_blk *b = dev;

	virtio_blk__poll(b, q % b->nr_queues);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct drv d;
	static struct virtio_blk b;
	struct fz f = { data, size };
	struct virtio_blk_params p = {
		.name = "vda", .serial = "fuzz", .queues = 2,
		.disk = { .path = image, .tmpdir = fz_scratch_path },
		.send = drv_count_msi, .send_opaque = &d, .mem = &d.mem, .no_threads = true,
	};
	struct vrig_ops o = { .poll = poll, .dev = &b, .nr_queues = 2 };
	char err[256];

	FZ_CHECK(ftruncate(image_fd, 0) == 0 && ftruncate(image_fd, IMG_SIZE) == 0);
	vrig_drv_reset(&d);
	FZ_CHECK(virtio_blk__init(&b, &p, err, sizeof(err)) == 0);
	d.vp = &b.vp;
	vrig_run(&d, &o, &f);
	virtio_blk__destroy(&b);
	return 0;
}
