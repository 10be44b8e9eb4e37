/*
 * 16550A UART. Transmission is instantaneous (THR is always empty again at
 * once), which is what Linux's 8250 driver expects from a virtual UART; the
 * THRE interrupt is latched as on real hardware so the driver's TX path works.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "vmm/config.h"
#include "vmm/aml.h"
#include "vmm/console.h"
#include "vmm/layout.h"
#include "devices/serial.h"
#include "vmm/sandbox.h"
#include "vmm/util.h"
#include "vmm/vm.h"

/* Register offsets and bits (see the 16550 data sheet). */
#define UART_RX		0	/* DLAB=0 read */
#define UART_TX		0	/* DLAB=0 write */
#define UART_DLL	0	/* DLAB=1 */
#define UART_IER	1
#define UART_DLM	1	/* DLAB=1 */
#define UART_IIR	2	/* read */
#define UART_FCR	2	/* write */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IIR_NO_INT	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO_BITS	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RCVR	0x02
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

#define CTRL_A		0x01

static uint8_t serial_iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO_BITS : 0;

	if ((s->ier & IER_RDI) && s->rx_len)
		return IIR_RDI | fifo;
	if ((s->ier & IER_THRI) && s->thr_irq)
		return IIR_THRI | fifo;
	return IIR_NO_INT | fifo;
}

/* Called with the lock held: drive the line from the interrupt state.
 * OUT2 gates the IRQ to the PIC on PC-compatible boards. */
static void serial_update_irq(struct serial *s)
{
	bool level = !(serial_iir(s) & IIR_NO_INT) && (s->mcr & MCR_OUT2);

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	if (s->vm)
		vm__irq_line(s->vm, s->gsi, level);
}

static void serial_write_out(struct serial *s, uint8_t c)
{
	if (s->con)
		console__write(s->con, &c, 1);
}

static unsigned serial_push_rx(struct serial *s, const uint8_t *buf, unsigned len)
{
	unsigned i;

	for (i = 0; i < len && s->rx_len < SERIAL_FIFO_LEN; i++, s->rx_len++)
		s->rx[(s->rx_head + s->rx_len) % SERIAL_FIFO_LEN] = buf[i];
	return i;
}

static uint8_t serial_read_reg(struct serial *s, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case UART_RX:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		if (!s->rx_len)
			return 0;
		v = s->rx[s->rx_head];
		s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_LEN;
		s->rx_len--;
		return v;
	case UART_IER:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case UART_IIR:
		v = serial_iir(s);
		/* Reading IIR while it reports THRE acknowledges that interrupt. */
		if ((v & 0x0f) == IIR_THRI)
			s->thr_irq = false;
		return v;
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (s->rx_len ? LSR_DR : 0);
	case UART_MSR:
		if (s->mcr & MCR_LOOP)
			return ((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
			       ((s->mcr & MCR_RTS) ? MSR_CTS : 0) |
			       ((s->mcr & MCR_OUT1) ? MSR_RI : 0) |
			       ((s->mcr & MCR_OUT2) ? MSR_DCD : 0);
		return MSR_DCD | MSR_DSR | MSR_CTS;
	default:
		return s->scr;
	}
}

static void serial_write_reg(struct serial *s, unsigned reg, uint8_t v)
{
	switch (reg) {
	case UART_TX:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			break;
		}
		if (s->mcr & MCR_LOOP)
			serial_push_rx(s, &v, 1);
		else
			serial_write_out(s, v);
		s->thr_irq = true;
		break;
	case UART_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		/* Enabling THRE with an empty THR raises it at once (8250 relies on it). */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thr_irq = true;
		s->ier = v & 0x0f;
		break;
	case UART_FCR:
		s->fcr = v & (FCR_ENABLE | 0xc0);
		if (v & FCR_CLEAR_RCVR)
			s->rx_len = 0;
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_SCR:
		s->scr = v;
		break;
	default:	/* LSR, MSR: read-only */
		break;
	}
}

void serial__access(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct serial *s = opaque;
	uint8_t *p = data;
	uint32_t i;

	pthread_mutex_lock(&s->lock);
	/* Wider accesses are treated as consecutive byte registers. */
	for (i = 0; i < len && offset + i < 8; i++) {
		if (is_write)
			serial_write_reg(s, offset + i, p[i]);
		else
			p[i] = serial_read_reg(s, offset + i);
	}
	for (; !is_write && i < len; i++)
		p[i] = 0xff;
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

unsigned serial__receive(struct serial *s, const uint8_t *buf, unsigned len)
{
	unsigned n;

	pthread_mutex_lock(&s->lock);
	n = (s->mcr & MCR_LOOP) ? len : serial_push_rx(s, buf, len);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* Keys from a terminal, or lines from a pipe or socket (a script driving
 * the guest's console, as QEMU's -serial stdio allows); never a regular
 * file or /dev/null, which would feed the guest junk or nothing. */
static bool serial_input_usable(int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return false;
	return isatty(fd) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

int serial__init(struct serial *s, struct vm *vm, struct console *con, int in_fd)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->port = LAYOUT_PORT_COM1;
	s->gsi = LAYOUT_IRQ_COM1;
	s->con = con;
	s->in_fd = serial_input_usable(in_fd) ? in_fd : -1;
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	s->mcr = MCR_OUT2;
	pthread_mutex_init(&s->lock, NULL);
	if (!vm)
		return 0;
	ret = bus__register(&vm->pio, s->port, 8, serial__access, s, "com1");
	if (ret < 0)
		pr_err("cannot register COM1 at 0x%x: %s", s->port, strerror(-ret));
	return ret;
}

/*
 * Terminal input: raw mode so keys reach the guest as typed; Ctrl-A x stops
 * the VM (like QEMU), Ctrl-A Ctrl-A sends one Ctrl-A.
 */
static void serial_input(struct serial *s, const uint8_t *buf, unsigned len)
{
	unsigned i;

	for (i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (s->escape) {
			s->escape = false;
			if (c == 'x') {
				vm__request_stop(s->vm, VM_EXIT_SIGNAL_BASE + SIGINT,
						 "stopped from the console (Ctrl-A x)");
				return;
			}
			if (c != CTRL_A)
				continue;
		} else if (c == CTRL_A) {
			s->escape = true;
			continue;
		}
		/* The FIFO is small; wait for the guest rather than drop keys. */
		while (!serial__receive(s, &c, 1) && !atomic_load(&s->vm->stopping))
			poll(NULL, 0, 1);
	}
}

static void *serial_in_thread(void *arg)
{
	struct serial *s = arg;
	struct pollfd pfd[2] = {
		{ .fd = s->in_fd, .events = POLLIN },
		{ .fd = s->stop_pipe[0], .events = POLLIN },
	};
	uint8_t buf[64];

	if (sandbox__enter(SANDBOX_DEVICE, s->vm->cfg ? s->vm->cfg->seccomp : SANDBOX_OFF) < 0) {
		pr_err("serial input: cannot install the seccomp filter");
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		n = read(s->in_fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		serial_input(s, buf, n);
	}
	return NULL;
}

int serial__start(struct serial *s)
{
	struct termios raw;
	int ret;

	if (s->in_fd < 0)
		return 0;
	if (pipe2(s->stop_pipe, O_CLOEXEC) < 0)
		return -errno;
	if (tcgetattr(s->in_fd, &s->saved_tio) == 0) {
		raw = s->saved_tio;
		cfmakeraw(&raw);
		raw.c_oflag |= OPOST | ONLCR;	/* keep our own messages readable */
		s->tty_raw = tcsetattr(s->in_fd, TCSANOW, &raw) == 0;
	}
	ret = -pthread_create(&s->in_thread, NULL, serial_in_thread, s);
	if (ret < 0)
		goto err;
	pthread_setname_np(s->in_thread, "serial-in");
	s->in_started = true;
	return 0;
err:
	serial__stop(s);
	return ret;
}

void serial__stop(struct serial *s)
{
	if (s->in_started) {
		if (write(s->stop_pipe[1], "x", 1) < 0)
			pthread_cancel(s->in_thread);
		pthread_join(s->in_thread, NULL);
		s->in_started = false;
	}
	if (s->tty_raw)
		tcsetattr(s->in_fd, TCSANOW, &s->saved_tio);
	s->tty_raw = false;
	if (s->stop_pipe[0] >= 0) {
		close(s->stop_pipe[0]);
		close(s->stop_pipe[1]);
	}
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
}

/* Lets Linux's PNP layer claim the port too, as on a PC with firmware. */
int serial__dsdt(struct aml *a, void *opaque)
{
	struct serial *s = opaque;

	aml__scope_begin(a, "\\_SB");
	aml__device_begin(a, "COM1");
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0501");
	aml__name_int(a, "_UID", 1);
	aml__name(a, "_CRS");
	aml__resource_begin(a);
	aml__io(a, s->port, s->port, 1, 8);
	aml__irq_noflags(a, s->gsi);
	aml__end(a);
	aml__end(a);
	aml__end(a);
	return aml__error(a);
}
