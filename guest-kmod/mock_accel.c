// SPDX-License-Identifier: GPL-2.0
/*
 * mock-accel: guest driver for mvmm's mock accelerator (PCI 1de5:0001 PF,
 * 1de5:0002 VF). Publishes /sys/class/mock-accel/mockN (PF) and mockN_vfM
 * (VF M of PF N) with the attributes DRA drivers read (see the shared
 * docs/mock-accel.md), handles SR-IOV through both its own sriov_numvfs and the
 * PCI core's, and drives the DMA engine through a character device
 * (mock_accel_dma.c). Register map: devices/mock_accel_regs.h.
 */
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <asm/unaligned.h>

#include "mock_accel.h"

static unsigned int num_vfs;
module_param(num_vfs, uint, 0444);
MODULE_PARM_DESC(num_vfs, "VFs to enable on every PF at probe (capped at its TotalVFs; default 0)");

static struct class *mock_accel_class;
static DEFINE_IDA(mock_accel_ida);
static struct pci_driver mock_accel_driver;

static void mock_accel_free(struct kref *ref)
{
	struct mock_accel *m = container_of(ref, struct mock_accel, ref);

	if (m->stuck)
		mock_accel_dmabuf_put(m->stuck);
	pci_dev_put(m->pdev);
	kfree(m);
}

void mock_accel_put(struct mock_accel *m)
{
	kref_put(&m->ref, mock_accel_free);
}

/* ---- sysfs: /sys/class/mock-accel/<name>/ -------------------------------- */

static ssize_t uuid_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%pUb\n", m->uuid);
}
static DEVICE_ATTR_RO(uuid);

static ssize_t memory_size_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%llu\n", m->memory_size);
}
static DEVICE_ATTR_RO(memory_size);

static ssize_t capabilities_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "0x%08x\n", m->caps);
}
static DEVICE_ATTR_RO(capabilities);

/* The attribute exists only while the class device does, and the class
 * device goes away before BAR0 is unmapped: regs is valid here.
 */
static ssize_t status_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "0x%08x\n",
			  readl(m->regs + MOCK_ACCEL_REG_STATUS));
}

static ssize_t status_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct mock_accel *m = dev_get_drvdata(dev);
	u32 val;
	int ret;

	ret = kstrtou32(buf, 0, &val);
	if (ret)
		return ret;
	writel(val, m->regs + MOCK_ACCEL_REG_STATUS);
	return count;
}
static DEVICE_ATTR_RW(status);

static ssize_t numa_node_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", dev_to_node(&m->pdev->dev));
}
static DEVICE_ATTR_RO(numa_node);

static ssize_t fw_version_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u.%u.%u\n", MOCK_ACCEL_FW_MAJOR(m->fw_version),
			  MOCK_ACCEL_FW_MINOR(m->fw_version),
			  MOCK_ACCEL_FW_PATCH(m->fw_version));
}
static DEVICE_ATTR_RO(fw_version);

static ssize_t sriov_totalvfs_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", pci_sriov_get_totalvfs(m->pdev));
}
static DEVICE_ATTR_RO(sriov_totalvfs);

/*
 * Enable @n VFs (0: disable). Changing a non-zero count disables first, as
 * the out-of-tree driver's attribute does (the PCI core's sriov_numvfs
 * refuses that with -EBUSY before it calls us). Returns @n or -errno.
 */
static int mock_accel_set_numvfs(struct mock_accel *m, int n)
{
	struct pci_dev *pdev = m->pdev;
	int cur, ret;

	lockdep_assert_held(&m->sriov_lock);
	if (n < 0 || n > pci_sriov_get_totalvfs(pdev))
		return -ERANGE;
	cur = pci_num_vf(pdev);
	if (n == cur)
		return n;
	if (cur)
		pci_disable_sriov(pdev);
	if (!n) {
		dev_info(&pdev->dev, "%s: disabled %d VFs\n", m->name, cur);
		return 0;
	}
	ret = pci_enable_sriov(pdev, n);
	if (ret) {
		dev_err(&pdev->dev, "%s: enabling %d VFs failed: %d\n",
			m->name, n, ret);
		return ret;
	}
	dev_info(&pdev->dev, "%s: enabled %d VFs\n", m->name, n);
	return n;
}

static ssize_t sriov_numvfs_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", pci_num_vf(m->pdev));
}

/*
 * Our own lock, not the PCI device's: remove() runs under device_lock and
 * unregisters this attribute, which waits for a running store to finish;
 * a store waiting for device_lock would deadlock with it.
 */
static ssize_t sriov_numvfs_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct mock_accel *m = dev_get_drvdata(dev);
	int n, ret;

	ret = kstrtoint(buf, 0, &n);
	if (ret)
		return ret;
	mutex_lock(&m->sriov_lock);
	ret = mock_accel_set_numvfs(m, n);
	mutex_unlock(&m->sriov_lock);
	return ret < 0 ? ret : count;
}
static DEVICE_ATTR_RW(sriov_numvfs);

/*
 * Passphrase generator (devices/mock_accel_regs.h), with the out-of-tree
 * driver's attribute names and formats so that tools work with either:
 * passphrase_length (rw, 4..12), passphrase_generate (wo, "1"),
 * passphrase_status (idle/busy/ready/error), passphrase_count, passphrase.
 */
static ssize_t passphrase_length_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n",
			  readl(m->regs + MOCK_ACCEL_REG_PASSPHRASE_LENGTH));
}

static ssize_t passphrase_length_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	struct mock_accel *m = dev_get_drvdata(dev);
	u32 n;
	int ret;

	ret = kstrtou32(buf, 0, &n);
	if (ret)
		return ret;
	/* Refused here as the out-of-tree driver does; the device would
	 * refuse it too (and report ERROR). */
	if (n < MOCK_ACCEL_PASSPHRASE_MIN_WORDS || n > MOCK_ACCEL_PASSPHRASE_MAX_WORDS)
		return -EINVAL;
	mutex_lock(&m->pass_lock);
	writel(n, m->regs + MOCK_ACCEL_REG_PASSPHRASE_LENGTH);
	mutex_unlock(&m->pass_lock);
	return count;
}
static DEVICE_ATTR_RW(passphrase_length);

/* "1" generates; other numbers are accepted and ignored (out-of-tree). */
static ssize_t passphrase_generate_store(struct device *dev,
					 struct device_attribute *attr,
					 const char *buf, size_t count)
{
	struct mock_accel *m = dev_get_drvdata(dev);
	u32 cmd;
	int ret;

	ret = kstrtou32(buf, 0, &cmd);
	if (ret)
		return ret;
	if (cmd == MOCK_ACCEL_PASSPHRASE_CMD_GENERATE) {
		mutex_lock(&m->pass_lock);
		writel(cmd, m->regs + MOCK_ACCEL_REG_PASSPHRASE_CMD);
		mutex_unlock(&m->pass_lock);
	}
	return count;
}
static DEVICE_ATTR_WO(passphrase_generate);

static ssize_t passphrase_status_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	static const char *const names[] = {
		[MOCK_ACCEL_PASSPHRASE_IDLE] = "idle",
		[MOCK_ACCEL_PASSPHRASE_BUSY] = "busy",
		[MOCK_ACCEL_PASSPHRASE_READY] = "ready",
		[MOCK_ACCEL_PASSPHRASE_ERROR] = "error",
	};
	struct mock_accel *m = dev_get_drvdata(dev);
	u32 s = readl(m->regs + MOCK_ACCEL_REG_PASSPHRASE_STATUS);

	return sysfs_emit(buf, "%s\n", s < ARRAY_SIZE(names) ? names[s] : "unknown");
}
static DEVICE_ATTR_RO(passphrase_status);

static ssize_t passphrase_count_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n",
			  readl(m->regs + MOCK_ACCEL_REG_PASSPHRASE_COUNT));
}
static DEVICE_ATTR_RO(passphrase_count);

/* Bytewise, as the out-of-tree driver reads it; the string and a newline. */
static ssize_t passphrase_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct mock_accel *m = dev_get_drvdata(dev);
	char p[MOCK_ACCEL_PASSPHRASE_BUFFER_LEN];
	unsigned int i;

	mutex_lock(&m->pass_lock);
	for (i = 0; i < sizeof(p); i++)
		p[i] = readb(m->regs + MOCK_ACCEL_REG_PASSPHRASE_BUFFER + i);
	mutex_unlock(&m->pass_lock);
	p[sizeof(p) - 1] = '\0';
	return sysfs_emit(buf, "%s\n", p);
}
static DEVICE_ATTR_RO(passphrase);

static struct attribute *mock_accel_attrs[] = {
	&dev_attr_uuid.attr,
	&dev_attr_memory_size.attr,
	&dev_attr_capabilities.attr,
	&dev_attr_status.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_fw_version.attr,
	&dev_attr_sriov_totalvfs.attr,
	&dev_attr_sriov_numvfs.attr,
	&dev_attr_passphrase_length.attr,
	&dev_attr_passphrase_generate.attr,
	&dev_attr_passphrase_status.attr,
	&dev_attr_passphrase_count.attr,
	&dev_attr_passphrase.attr,
	NULL,
};

static umode_t mock_accel_attr_visible(struct kobject *kobj,
				       struct attribute *attr, int n)
{
	struct mock_accel *m = dev_get_drvdata(kobj_to_dev(kobj));

	if ((attr == &dev_attr_sriov_totalvfs.attr ||
	     attr == &dev_attr_sriov_numvfs.attr) && m->pdev->is_virtfn)
		return 0;
	return attr->mode;
}

static const struct attribute_group mock_accel_group = {
	.attrs = mock_accel_attrs,
	.is_visible = mock_accel_attr_visible,
};

static const struct attribute_group *mock_accel_groups[] = {
	&mock_accel_group,
	NULL,
};

/* ---- PCI driver -------------------------------------------------------------- */

/* PCI core's sriov_numvfs (under the PF's device_lock). */
static int mock_accel_sriov_configure(struct pci_dev *pdev, int n)
{
	struct mock_accel *m = pci_get_drvdata(pdev);
	int ret;

	mutex_lock(&m->sriov_lock);
	ret = mock_accel_set_numvfs(m, n);
	mutex_unlock(&m->sriov_lock);
	return ret;
}

/* Name the function: a PF gets a new index N, VF M of PF mockN is mockN_vfM. */
static int mock_accel_name(struct mock_accel *m)
{
	struct pci_dev *pdev = m->pdev;
	struct pci_dev *pf;
	struct mock_accel *pfm;

	if (!pdev->is_virtfn) {
		m->index = ida_alloc(&mock_accel_ida, GFP_KERNEL);
		if (m->index < 0)
			return m->index;
		snprintf(m->name, sizeof(m->name), "mock%d", m->index);
		return 0;
	}
	/* The PF's drvdata is ours only when it is bound to this driver. */
	pf = pci_physfn(pdev);
	if (pci_dev_driver(pf) != &mock_accel_driver) {
		dev_info(&pdev->dev, "PF %s is not bound to %s; not binding its VF\n",
			 pci_name(pf), MOCK_ACCEL_DRV_NAME);
		return -ENODEV;
	}
	m->vf_id = pci_iov_vf_id(pdev);
	if (m->vf_id < 0)
		return m->vf_id;
	pfm = pci_get_drvdata(pf);
	m->index = pfm->index;
	snprintf(m->name, sizeof(m->name), "mock%d_vf%d", m->index, m->vf_id);
	return 0;
}

static void mock_accel_unname(struct mock_accel *m)
{
	if (!m->pdev->is_virtfn && m->index >= 0)
		ida_free(&mock_accel_ida, m->index);
}

static void mock_accel_read_identity(struct mock_accel *m)
{
	int i;

	for (i = 0; i < MOCK_ACCEL_UUID_LEN; i += 4)
		put_unaligned_le32(readl(m->regs + MOCK_ACCEL_REG_UUID + i),
				   &m->uuid[i]);
	m->memory_size = readl(m->regs + MOCK_ACCEL_REG_MEMORY_SIZE_LO) |
		(u64)readl(m->regs + MOCK_ACCEL_REG_MEMORY_SIZE_HI) << 32;
	m->caps = readl(m->regs + MOCK_ACCEL_REG_CAPABILITIES);
	m->fw_version = readl(m->regs + MOCK_ACCEL_REG_FW_VERSION);
}

static int mock_accel_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mock_accel *m;
	u32 magic;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	kref_init(&m->ref);
	m->pdev = pci_dev_get(pdev);
	m->index = -1;
	m->vf_id = -1;
	m->irq = -1;
	mutex_init(&m->sriov_lock);
	mutex_init(&m->pass_lock);
	mutex_init(&m->dma_lock);
	init_completion(&m->dma_done);

	ret = pci_enable_device_mem(pdev);
	if (ret)
		goto err_put;
	if (!(pci_resource_flags(pdev, MOCK_ACCEL_BAR_REGS) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, MOCK_ACCEL_BAR_REGS) < MOCK_ACCEL_BAR0_SIZE) {
		dev_err(&pdev->dev, "BAR0 is not a %u-byte memory BAR\n",
			MOCK_ACCEL_BAR0_SIZE);
		ret = -ENODEV;
		goto err_disable;
	}
	ret = pci_request_regions(pdev, MOCK_ACCEL_DRV_NAME);
	if (ret)
		goto err_disable;
	m->regs = pci_iomap(pdev, MOCK_ACCEL_BAR_REGS, MOCK_ACCEL_BAR0_SIZE);
	if (!m->regs) {
		ret = -ENOMEM;
		goto err_release;
	}
	magic = readl(m->regs + MOCK_ACCEL_REG_DEVICE_ID);
	if (magic != MOCK_ACCEL_DEVICE_ID_MAGIC &&
	    magic != MOCK_ACCEL_DEVICE_ID_MAGIC_SWAPPED) {
		dev_err(&pdev->dev, "DEVICE_ID register is 0x%08x, not \"MOCK\"\n",
			magic);
		ret = -ENODEV;
		goto err_unmap;
	}
	mock_accel_read_identity(m);

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_unmap;
	pci_set_master(pdev);

	ret = mock_accel_name(m);
	if (ret)
		goto err_master;
	ret = mock_accel_irq_setup(m);
	if (ret)
		goto err_unname;
	pci_set_drvdata(pdev, m);

	/* Parent = the PCI device: sysfs adds the "device" link. */
	m->cdev = device_create_with_groups(mock_accel_class, &pdev->dev, 0, m,
					    mock_accel_groups, "%s", m->name);
	if (IS_ERR(m->cdev)) {
		ret = PTR_ERR(m->cdev);
		goto err_irq;
	}
	ret = mock_accel_chardev_register(m);
	if (ret)
		goto err_cdev;

	dev_info(&pdev->dev, "%s: %s, %llu MiB, caps 0x%08x, fw %u.%u.%u, node %d, %s\n",
		 m->name, pdev->is_virtfn ? "VF" : "PF", m->memory_size >> 20,
		 m->caps, MOCK_ACCEL_FW_MAJOR(m->fw_version),
		 MOCK_ACCEL_FW_MINOR(m->fw_version),
		 MOCK_ACCEL_FW_PATCH(m->fw_version), dev_to_node(&pdev->dev),
		 m->irq >= 0 ? "MSI-X" : "polled");

	if (!pdev->is_virtfn && num_vfs && pci_sriov_get_totalvfs(pdev) > 0) {
		mutex_lock(&m->sriov_lock);
		/* A failure is logged; the PF stays usable without VFs. */
		mock_accel_set_numvfs(m, min_t(int, num_vfs,
					       pci_sriov_get_totalvfs(pdev)));
		mutex_unlock(&m->sriov_lock);
	}
	return 0;

err_cdev:
	device_unregister(m->cdev);
err_irq:
	pci_set_drvdata(pdev, NULL);
	mock_accel_irq_teardown(m);
err_unname:
	mock_accel_unname(m);
err_master:
	pci_clear_master(pdev);
err_unmap:
	pci_iounmap(pdev, m->regs);
	m->regs = NULL;
err_release:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_put:
	mock_accel_put(m);
	return ret;
}

static void mock_accel_remove(struct pci_dev *pdev)
{
	struct mock_accel *m = pci_get_drvdata(pdev);

	/* No new opens or sysfs writes; running ones finish first. */
	mock_accel_chardev_unregister(m);
	device_unregister(m->cdev);
	if (!pdev->is_virtfn) {
		mutex_lock(&m->sriov_lock);
		if (pci_num_vf(pdev))
			pci_disable_sriov(pdev);
		mutex_unlock(&m->sriov_lock);
	}
	/* Waits for a running DMA request; later ones see m->dead. */
	mock_accel_dma_shutdown(m);
	mock_accel_irq_teardown(m);
	pci_clear_master(pdev);
	pci_iounmap(pdev, m->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	mock_accel_unname(m);
	pci_set_drvdata(pdev, NULL);
	mock_accel_put(m);
}

static const struct pci_device_id mock_accel_ids[] = {
	{ PCI_DEVICE(MOCK_ACCEL_VENDOR_ID, MOCK_ACCEL_PF_DEVICE_ID) },
	{ PCI_DEVICE(MOCK_ACCEL_VENDOR_ID, MOCK_ACCEL_VF_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, mock_accel_ids);

static struct pci_driver mock_accel_driver = {
	.name = MOCK_ACCEL_DRV_NAME,
	.id_table = mock_accel_ids,
	.probe = mock_accel_probe,
	.remove = mock_accel_remove,
	.sriov_configure = mock_accel_sriov_configure,
};

static int __init mock_accel_init(void)
{
	int ret;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	mock_accel_class = class_create(MOCK_ACCEL_DRV_NAME);
#else
	mock_accel_class = class_create(THIS_MODULE, MOCK_ACCEL_DRV_NAME);
#endif
	if (IS_ERR(mock_accel_class))
		return PTR_ERR(mock_accel_class);
	ret = pci_register_driver(&mock_accel_driver);
	if (ret)
		class_destroy(mock_accel_class);
	return ret;
}

static void __exit mock_accel_exit(void)
{
	pci_unregister_driver(&mock_accel_driver);
	class_destroy(mock_accel_class);
	ida_destroy(&mock_accel_ida);
}

module_init(mock_accel_init);
module_exit(mock_accel_exit);

MODULE_DESCRIPTION("mvmm mock accelerator (PF/VF, SR-IOV, DMA engine)");
MODULE_AUTHOR("mvmm");
MODULE_LICENSE("GPL");
