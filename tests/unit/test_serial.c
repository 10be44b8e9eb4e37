/* 16550A register model as Linux's 8250 driver exercises it. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/console.h"
#include "devices/serial.h"

struct ctx {
	struct serial s;
	struct console con;
	int pipe[2];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct console_params cp = { .out_fd = -1 };
	char err[128];

	assert_int_equal(pipe2(c->pipe, O_NONBLOCK), 0);
	cp.out_fd = c->pipe[1];
	assert_int_equal(console__init(&c->con, &cp, err, sizeof(err)), 0);
	assert_int_equal(serial__init(&c->s, NULL, &c->con, -1), 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	console__destroy(&c->con);
	close(c->pipe[0]);
	close(c->pipe[1]);
	free(c);
	return 0;
}

static uint8_t rd(struct serial *s, unsigned reg)
{
	uint8_t v = 0;

	serial__access(s, reg, &v, 1, false);
	return v;
}

static void wr(struct serial *s, unsigned reg, uint8_t v)
{
	serial__access(s, reg, &v, 1, true);
}

static void test_tx_reaches_fd(void **state)
{
	struct ctx *c = *state;
	char buf[8] = { 0 };

	wr(&c->s, 0, 'h');
	wr(&c->s, 0, 'i');
	assert_int_equal(read(c->pipe[0], buf, sizeof(buf)), 2);
	assert_string_equal(buf, "hi");
	/* THR is empty again at once: THRE and TEMT always set. */
	assert_int_equal(rd(&c->s, 5) & 0x60, 0x60);
}

static void test_thre_interrupt(void **state)
{
	struct ctx *c = *state;
	struct serial *s = &c->s;

	assert_int_equal(rd(s, 2) & 0x0f, 0x01);	/* no interrupt */
	wr(s, 4, 0x08);					/* OUT2 gates the line */
	wr(s, 1, 0x02);					/* enable THRI */
	assert_true(s->irq_level);			/* empty THR raises at once */
	assert_int_equal(rd(s, 2) & 0x0f, 0x02);	/* reading IIR acks it */
	assert_false(s->irq_level);
	assert_int_equal(rd(s, 2) & 0x0f, 0x01);
	wr(s, 0, 'x');					/* each transmit re-arms it */
	assert_true(s->irq_level);
	wr(s, 1, 0x00);
	assert_false(s->irq_level);
	wr(s, 1, 0x02);
	wr(s, 4, 0x00);					/* OUT2 off: line stays low */
	assert_false(s->irq_level);
}

static void test_rx_and_fifo(void **state)
{
	struct ctx *c = *state;
	struct serial *s = &c->s;
	uint8_t big[100];

	wr(s, 2, 0x01);					/* FIFO on */
	assert_int_equal(rd(s, 2) & 0xc0, 0xc0);
	wr(s, 4, 0x08);
	wr(s, 1, 0x01);					/* RDI */
	assert_int_equal(serial__receive(s, (const uint8_t *)"ab", 2), 2);
	assert_true(s->irq_level);
	assert_int_equal(rd(s, 5) & 0x01, 0x01);
	assert_int_equal(rd(s, 2) & 0x0f, 0x04);
	assert_int_equal(rd(s, 0), 'a');
	assert_int_equal(rd(s, 0), 'b');
	assert_int_equal(rd(s, 5) & 0x01, 0);
	assert_false(s->irq_level);
	memset(big, 'z', sizeof(big));
	assert_int_equal(serial__receive(s, big, sizeof(big)), SERIAL_FIFO_LEN);
	wr(s, 2, 0x03);					/* clear the receive FIFO */
	assert_int_equal(rd(s, 5) & 0x01, 0);
	assert_int_equal(rd(s, 0), 0);			/* empty reads as 0 */
}

static void test_dlab_and_scratch(void **state)
{
	struct ctx *c = *state;
	struct serial *s = &c->s;

	wr(s, 3, 0x80);
	wr(s, 0, 0x01);
	wr(s, 1, 0x00);
	assert_int_equal(rd(s, 0), 0x01);
	assert_int_equal(rd(s, 1), 0x00);
	wr(s, 3, 0x03);
	assert_int_equal(rd(s, 3), 0x03);
	assert_int_equal(rd(s, 1), 0);			/* IER untouched by DLM write */
	wr(s, 7, 0xa5);
	assert_int_equal(rd(s, 7), 0xa5);
}

static void test_loopback(void **state)
{
	struct ctx *c = *state;
	struct serial *s = &c->s;
	char buf[4];

	/* 8250 autoconfig: LOOP | OUT2 | RTS must read back as DCD | CTS. */
	wr(s, 4, 0x10 | 0x0a);
	assert_int_equal(rd(s, 6) & 0xf0, 0x90);
	wr(s, 0, 'q');
	assert_int_equal(read(c->pipe[0], buf, sizeof(buf)), -1);	/* not sent out */
	assert_int_equal(rd(s, 0), 'q');
	wr(s, 4, 0x08);
	assert_int_equal(rd(s, 6), 0xb0);
}

static void test_wide_and_outside(void **state)
{
	struct ctx *c = *state;
	uint32_t v = 0;

	/* A 16-bit read at offset 7 covers SCR and one byte beyond the UART. */
	serial__access(&c->s, 7, &v, 2, false);
	assert_int_equal(v >> 8, 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tx_reaches_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thre_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_and_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dlab_and_scratch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_and_outside, setup, teardown),
	};

	return cmocka_run_group_tests_name("serial", tests, NULL, NULL);
}
