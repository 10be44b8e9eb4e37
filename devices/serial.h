/* 16550A UART on COM1: guest output to the console (console.h), host terminal input to the guest. */
#ifndef MVMM_SERIAL_H
#define MVMM_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

struct vm;
struct aml;
struct console;

#define SERIAL_FIFO_LEN 64

struct serial {
	struct vm *vm;
	pthread_mutex_t lock;
	uint16_t port;
	uint32_t gsi;
	struct console *con;		/* where transmitted bytes go; NULL: dropped */
	int in_fd;			/* -1: no input */
	/* Registers. */
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	bool thr_irq;			/* THR-empty interrupt pending */
	bool irq_level;			/* current line level */
	uint8_t rx[SERIAL_FIFO_LEN];
	unsigned rx_head, rx_len;
	/* Console input (a tty, pipe or socket; raw mode for a tty). */
	pthread_t in_thread;
	bool in_started;
	int stop_pipe[2];
	bool escape;			/* saw Ctrl-A */
	bool tty_raw;
	struct termios saved_tio;
};

/* Register COM1 on the PIO bus. @in_fd is read when it is a terminal (in
 * raw mode), a pipe or a socket; otherwise the guest gets no input. */
int serial__init(struct serial *s, struct vm *vm, struct console *con, int in_fd);
/* Start reading terminal input (after vCPUs exist). */
int serial__start(struct serial *s);
void serial__stop(struct serial *s);
/* DSDT fragment: the PNP0501 device with its I/O range and IRQ. */
int serial__dsdt(struct aml *a, void *opaque);

/* Register-level model, exported for unit tests. */
void serial__access(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);
/* Queue received bytes; returns how many fitted. */
unsigned serial__receive(struct serial *s, const uint8_t *buf, unsigned len);

#endif
