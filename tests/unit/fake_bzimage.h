/* The smallest file boot__probe_kernel takes for a 64-bit bzImage: setup
 * header per Documentation/arch/x86/boot.rst, protocol 2.15, then payload.
 * Shared by the config tests, which need a kernel that probes as valid. */
#ifndef MVMM_TEST_FAKE_BZIMAGE_H
#define MVMM_TEST_FAKE_BZIMAGE_H

#include <stdint.h>
#include <string.h>

#define FAKE_BZIMAGE_SIZE 16384

static inline void fake_bzimage(uint8_t img[FAKE_BZIMAGE_SIZE])
{
	memset(img, 0, FAKE_BZIMAGE_SIZE);
	img[0x1f1] = 4;					/* setup_sects */
	img[0x1fe] = 0x55;				/* boot_flag 0xaa55 */
	img[0x1ff] = 0xaa;
	memcpy(&img[0x202], "HdrS", 4);			/* header */
	img[0x206] = 0x0f;				/* version 2.15 */
	img[0x207] = 0x02;
	img[0x211] = 0x01;				/* loadflags: LOADED_HIGH */
	img[0x232] = 0x20;				/* kernel_alignment 2 MiB */
	img[0x234] = 1;					/* relocatable_kernel */
	img[0x236] = 0x01;				/* xloadflags: XLF_KERNEL_64 */
	img[0x262] = 0x10;				/* init_size 1 MiB */
	memset(&img[5 * 512], 0x90, FAKE_BZIMAGE_SIZE - 5 * 512);	/* "code" */
}

#endif
