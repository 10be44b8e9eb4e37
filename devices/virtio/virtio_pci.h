/*
 * virtio 1.x PCI transport (modern only), the seam every virtio device
 * plugs into.
 *
 * Contract:
 *  - One PCIe endpoint function (vendor 0x1af4, device 0x1040 + type) with
 *    one 64-bit BAR (VIRTIO_PCI_BAR) holding, at fixed offsets, the common
 *    configuration, ISR, device configuration, notification area (one
 *    16-bit doorbell per queue, 4 bytes apart) and the MSI-X table and PBA
 *    (one vector per queue plus the config vector).
 *  - Each queue has a kick eventfd. With host hooks it is a KVM ioeventfd
 *    on the queue's doorbell, so a notification never leaves the kernel;
 *    without (unit tests) the BAR handler writes it.
 *  - The driver programs queues in shadow registers; nothing reaches the
 *    device until DRIVER_OK, when every enabled queue's rings are mapped
 *    (vq__enable) and ops->start runs. A ring outside RAM sets
 *    DEVICE_NEEDS_RESET instead. Writing status 0 (or a function reset)
 *    calls ops->stop, which must return only when no I/O thread touches a
 *    queue any more; then every register returns to its reset value.
 *  - Features: the device's plus VIRTIO_F_VERSION_1 (required of the
 *    driver), never ACCESS_PLATFORM; FEATURES_OK sticks only for a subset.
 *  - Interrupts: virtio_pci__signal_queue / __signal_config raise the MSI-X
 *    vector the driver chose. With an irq seam (params.irq), each vector
 *    that is deliverable (enabled, unmasked) has a GSI routed to its
 *    message and a KVM irqfd, so signalling is one eventfd write from the
 *    I/O thread; a masked vector goes through msix__notify, which latches
 *    its pending bit (and an irqfd count left behind is injected by KVM
 *    when the vector is unmasked and the irqfd attached again). Without
 *    the seam (unit tests) every interrupt goes through msix__notify.
 *    Without MSI-X enabled the interrupt is dropped (no INTx).
 *  - Locking: vp->lock serialises register accesses against resets;
 *    signalling takes only the MSI-X model's lock.
 */
#ifndef MVMM_VIRTIO_PCI_H
#define MVMM_VIRTIO_PCI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/virtqueue.h"
#include "vmm/irq.h"
#include "vmm/msix.h"
#include "vmm/pci.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040	/* + virtio device type */
#define VIRTIO_PCI_BAR		0	/* BARs 0/1: one 64-bit BAR */
#define VIRTIO_PCI_BAR_SIZE	0x8000
#define VIRTIO_PCI_COMMON_OFF	0x0000
#define VIRTIO_PCI_ISR_OFF	0x1000
#define VIRTIO_PCI_DEVCFG_OFF	0x2000
#define VIRTIO_PCI_NOTIFY_OFF	0x3000
#define VIRTIO_PCI_NOTIFY_MULT	4
#define VIRTIO_PCI_MSIX_OFF	0x4000
#define VIRTIO_PCI_PBA_OFF	0x6000
#define VIRTIO_PCI_MAX_QUEUES	64
#define VIRTIO_PCI_DEVCFG_MAX	0x1000
#define VIRTIO_NO_VECTOR	0xffff

struct virtio_pci;

/* Host services, NULL in unit tests. */
struct virtio_pci_hooks {
	int (*ioeventfd)(void *opaque, uint64_t gpa, uint32_t len, int fd, bool assign);
	void *opaque;
};

struct virtio_pci_ops {
	/* DRIVER_OK with every enabled queue mapped: start serving them.
	 * 0, or -errno (DEVICE_NEEDS_RESET is set). */
	int (*start)(struct virtio_pci *vp);
	/* Reset: stop serving queues; return once no thread touches them. */
	void (*stop)(struct virtio_pci *vp);
	/* A driver write into device configuration (already bounds-checked;
	 * the bytes are in vp->devcfg). Optional: without it writes are dropped. */
	void (*cfg_write)(struct virtio_pci *vp, unsigned off, unsigned len);
};

struct virtio_pci_params {
	const char *name;
	uint16_t device_type;		/* VIRTIO_ID_BLOCK, ... */
	uint32_t class_code;
	uint64_t features;		/* device features, VERSION_1 added */
	unsigned nr_queues;		/* 1..VIRTIO_PCI_MAX_QUEUES */
	uint16_t queue_size;		/* maximum per queue, a power of two */
	unsigned devcfg_size;		/* bytes of device configuration */
	const struct virtio_pci_ops *ops;
	void *opaque;
	msix_send_fn send;
	void *send_opaque;
	const struct gmem *mem;
	const struct virtio_pci_hooks *hooks;
	struct irq *irq;		/* GSI routes + irqfds; NULL: msix__notify */
};

/* One MSI-X vector's irqfd (with an irq seam). */
struct virtio_pci_irqfd {
	int fd;				/* eventfd, -1: none */
	uint32_t gsi;
	bool has_gsi;
	bool routed;			/* the GSI's route is addr/data below */
	uint64_t addr;
	uint32_t data;
	atomic_bool on;			/* attached: signal by eventfd write */
};

struct virtio_pci_queue {
	struct virtqueue vq;		/* the I/O thread's after start */
	/* Shadow registers, driver-written before DRIVER_OK. */
	uint16_t size, max_size, vector;
	bool enable;
	uint64_t desc, avail, used;
	int kick_fd;			/* eventfd */
	bool ioeventfd_on;
	uint64_t ioeventfd_gpa;
};

struct virtio_pci {
	struct pci_func pci;
	struct msix msix;
	char name[64];
	const struct virtio_pci_ops *ops;
	void *opaque;
	const struct gmem *mem;
	struct virtio_pci_hooks hooks;
	bool has_hooks;

	pthread_mutex_t lock;
	uint64_t features;		/* offered */
	uint64_t driver_features;	/* accepted by the driver */
	uint32_t dfselect, gfselect;
	uint16_t msix_config;
	uint16_t queue_select;
	uint8_t status;
	atomic_uint_fast8_t isr;
	atomic_uint generation;		/* config_generation */
	atomic_bool bme;		/* Bus Master Enable: queues served only while set */
	uint16_t cfg_cap;		/* config offset of the PCI_CFG window capability */
	bool started;			/* ops->start succeeded */
	unsigned nr_queues;
	struct virtio_pci_queue q[VIRTIO_PCI_MAX_QUEUES];
	struct irq *irq;
	struct virtio_pci_irqfd irqfd[VIRTIO_PCI_MAX_QUEUES + 1];	/* per vector */
	atomic_ulong irqs_irqfd, irqs_msix;	/* how interrupts went out */
	uint8_t devcfg[VIRTIO_PCI_DEVCFG_MAX];
	unsigned devcfg_size;
	pthread_mutex_t cfg_lock;	/* devcfg[] against device updates */
};

/* Build the function (not yet on a bus: pci_host__add_device(&vp->pci)).
 * -EINVAL for bad parameters, -errno otherwise. */
int virtio_pci__init(struct virtio_pci *vp, const struct virtio_pci_params *p);
void virtio_pci__destroy(struct virtio_pci *vp);

/* May the device touch guest memory (Bus Master Enable)? I/O threads
 * check before they pop; setting it again kicks every queue. */
static inline bool virtio_pci__bus_master(struct virtio_pci *vp)
{
	return atomic_load(&vp->bme);
}

/* True if the driver accepted feature bit @bit. */
static inline bool virtio_pci__has(const struct virtio_pci *vp, unsigned bit)
{
	return vp->driver_features & (1ULL << bit);
}

/* Raise queue @q's interrupt / the configuration-change interrupt. */
void virtio_pci__signal_queue(struct virtio_pci *vp, unsigned q);
void virtio_pci__signal_config(struct virtio_pci *vp);
/* The device found its state broken (a bad ring; @why, logged once):
 * DEVICE_NEEDS_RESET and a configuration-change interrupt, as 2.1.2 asks. */
void virtio_pci__needs_reset(struct virtio_pci *vp, const char *why);

/* BAR handler (exported for tests): @off into VIRTIO_PCI_BAR. */
void virtio_pci__bar_access(void *opaque, uint64_t off, void *data, uint32_t len,
			    bool is_write);

#endif
