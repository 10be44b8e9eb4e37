/*
 * Port I/O devices: the 16550A COM1 (registers, DLAB, FIFO, interrupt
 * identification, loopback, with host input arriving in between), the
 * ACPI sleep/reset registers, pvpanic and the i8042 reset line, plus the
 * host's power button, all through the machine's PIO bus as the vCPU loop
 * dispatches them (any width at any port, most near the devices). A
 * fresh vm per input: poweroff, reboot and panic only record a stop.
 */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "devices/power.h"
#include "devices/serial.h"
#include "tests/fuzz/fuzz.h"
#include "vmm/console.h"
#include "vmm/layout.h"
#include "vmm/vm.h"

static int devnull = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sigset_t set;

	(void)argc;
	(void)argv;
	/* vm__request_stop signals the main thread; keep it pending. */
	sigemptyset(&set);
	sigaddset(&set, SIG_VM_STOP);
	FZ_CHECK(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	FZ_CHECK(devnull >= 0);
	return 0;
}

/* A stop request leaves one queued real-time signal: take them all, or
 * the queue fills up to RLIMIT_SIGPENDING, which is per user: every other
 * process of the user (a unit test, an mvmm) then fails to signal. */
static void drain_stop_signals(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_VM_STOP);
	while (sigtimedwait(&set, NULL, &zero) == SIG_VM_STOP)
		;
	FZ_CHECK(sigpending(&set) == 0 && !sigismember(&set, SIG_VM_STOP));
}

static uint16_t pick_port(struct fz *f)
{
	uint8_t b = fz_u8(f);

	switch (b & 7) {
	case 0: case 1: case 2: return LAYOUT_PORT_COM1 + (b >> 3) % 8;
	case 3: return LAYOUT_PORT_ACPI_PM + (b >> 3) % 4;
	case 4: return LAYOUT_PORT_PVPANIC;
	case 5: return LAYOUT_PORT_I8042 + (b >> 3) % 6;
	default: return fz_u16(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct console_params cp = { .out_fd = devnull };
	static struct console con;
	static struct serial s;
	static struct power p;
	static struct vm vm;
	struct fz f = { data, size };
	unsigned steps = 0;
	char err[128];

	memset(&vm, 0, sizeof(vm));
	memset(&s, 0, sizeof(s));
	vm.kvm_fd = vm.vm_fd = -1;
	vm.main_thread = pthread_self();
	atomic_init(&vm.exit_status, -1);
	FZ_CHECK(bus__init(&vm.pio) == 0);
	FZ_CHECK(console__init(&con, &cp, err, sizeof(err)) == 0);
	FZ_CHECK(serial__init(&s, &vm, &con, -1) == 0);
	FZ_CHECK(power__init(&p, &vm) == 0);
	while (fz_left(&f) && steps++ < 1024) {
		uint8_t op = fz_u8(&f), buf[64];
		uint16_t port;
		uint64_t v;
		unsigned n;

		switch (op % 8) {
		case 6:			/* host input on the serial line */
			n = fz_u8(&f) % sizeof(buf);
			fz_bytes(&f, buf, n);
			serial__receive(&s, buf, n);
			break;
		case 7:
			power__button(&p);
			break;
		default:
			port = pick_port(&f);
			v = fz_u32(&f);
			bus__access(&vm.pio, port, &v, 1u << (op >> 6), op & 0x20);
			break;
		}
	}
	console__destroy(&con);
	bus__destroy(&vm.pio);
	drain_stop_signals();
	return 0;
}
