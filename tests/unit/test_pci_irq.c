/*
 * Interrupt routing table (no KVM: vm_fd -1, the table is inspected): the
 * default routes that KVM_SET_GSI_ROUTING must keep (GSI 0-15 to IOAPIC and
 * PIC, 16-23 to the IOAPIC), MSI routes added, replaced and removed, GSI
 * allocation bounds, and what is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/irq.h"

static unsigned count_gsi(const struct irq *irq, uint32_t gsi, uint32_t type)
{
	unsigned i, n = 0;

	for (i = 0; i < irq->table->nr; i++)
		n += irq->table->entries[i].gsi == gsi && irq->table->entries[i].type == type;
	return n;
}

static const struct kvm_irq_routing_entry *chip_entry(const struct irq *irq, uint32_t gsi,
						      uint32_t chip)
{
	unsigned i;

	for (i = 0; i < irq->table->nr; i++) {
		const struct kvm_irq_routing_entry *e = &irq->table->entries[i];

		if (e->gsi == gsi && e->type == KVM_IRQ_ROUTING_IRQCHIP && e->u.irqchip.irqchip == chip)
			return e;
	}
	return NULL;
}

static void test_default_routes(void **state)
{
	struct irq irq;
	unsigned gsi;

	(void)state;
	assert_int_equal(irq__init(&irq, -1, 4096), 0);
	assert_int_equal(irq.table->nr, 24 + 16);
	for (gsi = 0; gsi < 24; gsi++) {
		const struct kvm_irq_routing_entry *e = chip_entry(&irq, gsi, KVM_IRQCHIP_IOAPIC);

		assert_non_null(e);
		assert_int_equal(e->u.irqchip.pin, gsi);
	}
	/* COM1's GSI 4: IOAPIC pin 4 and master PIC pin 4; GSI 10 on the slave. */
	assert_int_equal(chip_entry(&irq, 4, KVM_IRQCHIP_PIC_MASTER)->u.irqchip.pin, 4);
	assert_int_equal(chip_entry(&irq, 10, KVM_IRQCHIP_PIC_SLAVE)->u.irqchip.pin, 2);
	assert_null(chip_entry(&irq, 16, KVM_IRQCHIP_PIC_MASTER));
	assert_null(chip_entry(&irq, 16, KVM_IRQCHIP_PIC_SLAVE));
	irq__destroy(&irq);
	irq__destroy(&irq);
	assert_int_equal(irq__init(&irq, -1, 39), -EINVAL);
}

static void test_msi_routes(void **state)
{
	struct irq irq;
	uint32_t a, b;
	unsigned i;

	(void)state;
	assert_int_equal(irq__init(&irq, -1, 64), 0);
	assert_int_equal(irq__alloc_gsi(&irq, &a), 0);
	assert_int_equal(irq__alloc_gsi(&irq, &b), 0);
	assert_int_equal(a, 24);
	assert_int_equal(b, 25);
	assert_int_equal(irq__set_msi_route(&irq, a, 0xfee01000, 0x4021), 0);
	assert_int_equal(irq__set_msi_route(&irq, b, 0x1fee00000ULL, 0x22), 0);
	assert_int_equal(count_gsi(&irq, a, KVM_IRQ_ROUTING_MSI), 1);
	/* Reprogramming replaces the route, never adds a second one. */
	assert_int_equal(irq__set_msi_route(&irq, a, 0xfee02000, 0x4031), 0);
	assert_int_equal(count_gsi(&irq, a, KVM_IRQ_ROUTING_MSI), 1);
	assert_int_equal(irq.table->nr, 40 + 2);
	for (i = 0; i < irq.table->nr; i++) {
		const struct kvm_irq_routing_entry *e = &irq.table->entries[i];

		if (e->gsi == a) {
			assert_int_equal(e->u.msi.address_lo, 0xfee02000);
			assert_int_equal(e->u.msi.data, 0x4031);
		}
		if (e->gsi == b)
			assert_int_equal(e->u.msi.address_hi, 1);
	}
	/* Legacy GSIs and unallocated ones cannot get MSI routes. */
	assert_int_equal(irq__set_msi_route(&irq, 4, 0xfee00000, 1), -EINVAL);
	assert_int_equal(irq__set_msi_route(&irq, 40, 0xfee00000, 1), -EINVAL);
	assert_int_equal(irq__del_msi_route(&irq, a), 0);
	assert_int_equal(irq__del_msi_route(&irq, a), -ENOENT);
	assert_int_equal(count_gsi(&irq, b, KVM_IRQ_ROUTING_MSI), 1);
	assert_int_equal(irq.table->nr, 41);
	/* GSIs run out at max_routes. */
	for (i = 26; i < 64; i++)
		assert_int_equal(irq__alloc_gsi(&irq, &a), 0);
	assert_int_equal(a, 63);
	assert_int_equal(irq__alloc_gsi(&irq, &a), -ENOSPC);
	/* Without a VM nothing is signalled; bad irqfds are refused. */
	assert_int_equal(irq__signal_msi(&irq, 0xfee00000, 0x21), -ENODEV);
	assert_int_equal(irq__msi_send(&irq, 0xfee00000, 0x21), -ENODEV);
	assert_int_equal(irq__irqfd(&irq, 24, -1, true), -EINVAL);
	assert_int_equal(irq__irqfd(&irq, 64, 3, true), -EINVAL);
	irq__destroy(&irq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_routes),
		cmocka_unit_test(test_msi_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
