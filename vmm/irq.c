/* GSI routing table, irqfd and KVM_SIGNAL_MSI. See irq.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/irq.h"

static size_t table_bytes(unsigned n)
{
	return sizeof(struct kvm_irq_routing) + n * sizeof(struct kvm_irq_routing_entry);
}

static void add_entry(struct irq *irq, const struct kvm_irq_routing_entry *e)
{
	irq->table->entries[irq->table->nr++] = *e;
}

/* Lock held (or not yet shared). */
static int commit(struct irq *irq)
{
	if (irq->vm_fd < 0)
		return 0;
	return ioctl(irq->vm_fd, KVM_SET_GSI_ROUTING, irq->table) < 0 ? -errno : 0;
}

int irq__init(struct irq *irq, int vm_fd, unsigned max_routes)
{
	unsigned gsi;
	int ret;

	memset(irq, 0, sizeof(*irq));
	irq->vm_fd = vm_fd;
	/* KVM counts routes, and GSIs must stay below the same bound. */
	if (max_routes < IRQ_NR_LEGACY_GSIS + IRQ_NR_PIC_GSIS)
		return -EINVAL;
	irq->max_routes = max_routes;
	irq->table = calloc(1, table_bytes(max_routes));
	if (!irq->table)
		return -ENOMEM;
	ret = -pthread_mutex_init(&irq->lock, NULL);
	if (ret)
		goto err;
	/* KVM's own default (irq_comm.c default_routing), entry for entry. */
	for (gsi = 0; gsi < IRQ_NR_LEGACY_GSIS; gsi++) {
		add_entry(irq, &(struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi },
		});
		if (gsi < IRQ_NR_PIC_GSIS)
			add_entry(irq, &(struct kvm_irq_routing_entry){
				.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = {
					.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
							     KVM_IRQCHIP_PIC_SLAVE,
					.pin = gsi % 8,
				},
			});
	}
	alloc__ids_init(&irq->gsis, IRQ_NR_LEGACY_GSIS, max_routes);
	ret = commit(irq);
	if (ret)
		goto err_lock;
	return 0;
err_lock:
	pthread_mutex_destroy(&irq->lock);
err:
	free(irq->table);
	irq->table = NULL;
	return ret;
}

void irq__destroy(struct irq *irq)
{
	if (!irq->table)
		return;
	pthread_mutex_destroy(&irq->lock);
	free(irq->table);
	irq->table = NULL;
}

int irq__alloc_gsi(struct irq *irq, uint32_t *gsi)
{
	int ret;

	pthread_mutex_lock(&irq->lock);
	ret = alloc__id(&irq->gsis, gsi);
	pthread_mutex_unlock(&irq->lock);
	return ret;
}

static struct kvm_irq_routing_entry *find_msi(struct irq *irq, uint32_t gsi)
{
	unsigned i;

	for (i = 0; i < irq->table->nr; i++)
		if (irq->table->entries[i].gsi == gsi &&
		    irq->table->entries[i].type == KVM_IRQ_ROUTING_MSI)
			return &irq->table->entries[i];
	return NULL;
}

int irq__set_msi_route(struct irq *irq, uint32_t gsi, uint64_t addr, uint32_t data)
{
	struct kvm_irq_routing_entry *e, saved;
	bool added = false;
	int ret;

	pthread_mutex_lock(&irq->lock);
	if (gsi < IRQ_NR_LEGACY_GSIS || gsi >= irq->gsis.next) {
		ret = -EINVAL;		/* not one irq__alloc_gsi handed out */
		goto out;
	}
	e = find_msi(irq, gsi);
	if (!e) {
		if (irq->table->nr >= irq->max_routes) {
			ret = -ENOSPC;
			goto out;
		}
		e = &irq->table->entries[irq->table->nr++];
		added = true;
	}
	saved = *e;
	*e = (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (uint32_t)addr, .address_hi = addr >> 32, .data = data },
	};
	ret = commit(irq);
	if (ret) {		/* keep the table equal to what KVM has */
		if (added)
			irq->table->nr--;
		else
			*e = saved;
	}
out:
	pthread_mutex_unlock(&irq->lock);
	return ret;
}

int irq__del_msi_route(struct irq *irq, uint32_t gsi)
{
	struct kvm_irq_routing_entry *e, saved;
	unsigned idx;
	int ret;

	pthread_mutex_lock(&irq->lock);
	e = find_msi(irq, gsi);
	if (!e) {
		ret = -ENOENT;
		goto out;
	}
	saved = *e;
	idx = e - irq->table->entries;
	*e = irq->table->entries[--irq->table->nr];
	ret = commit(irq);
	if (ret) {
		irq->table->entries[irq->table->nr++] = *e;
		irq->table->entries[idx] = saved;
	}
out:
	pthread_mutex_unlock(&irq->lock);
	return ret;
}

int irq__irqfd(struct irq *irq, uint32_t gsi, int fd, bool assign)
{
	struct kvm_irqfd req = {
		.fd = fd, .gsi = gsi, .flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	if (fd < 0 || gsi >= irq->max_routes)
		return -EINVAL;
	if (irq->vm_fd < 0)
		return 0;
	return ioctl(irq->vm_fd, KVM_IRQFD, &req) < 0 ? -errno : 0;
}

int irq__signal_msi(struct irq *irq, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr, .address_hi = addr >> 32, .data = data,
	};

	if (irq->vm_fd < 0)
		return -ENODEV;
	/* > 0 delivered, 0 blocked by the guest's APIC state: both are fine. */
	return ioctl(irq->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

int irq__msi_send(void *opaque, uint64_t addr, uint32_t data)
{
	return irq__signal_msi(opaque, addr, data);
}
