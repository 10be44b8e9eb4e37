# mvmm — a small KVM VMM with faithful guest NUMA. See README.md.
#
#   make          build ./mvmm
#   make check    install what is missing, build, run unit tests (ASan+UBSan)
#                 and the guest tests in the nested test host
#   make demo     install what is missing, build, boot the demo config
#   make bench    boot time and memory of mvmm vs QEMU, as ratios
#   make fuzz     every libFuzzer harness (tests/fuzz/) for FUZZ_SECONDS
#                 each (default 60): execs and crashes per harness
#   make stress   boot reliability: N inner boots per VMM (STRESS_ARGS, see
#                 tests/testhost/stress.sh --help)
#   make image    the Debian 12 guest image, kernel and initrd in build/image/
#                 (cached; configs/node1.ini boots them)
#   make deps     install missing Debian packages (idempotent)
#   make experiment  the pinning experiment kit: placement matrix through the
#                 control socket, results in build/experiment/
#   make cluster-up / cluster-status / cluster-down  the two-node cluster
#                 (scripts/cluster.sh, docs/cluster.md; CLUSTER_ARGS=--small)
#   make cluster-demo  up, status, ssh, down; in the test host when this
#                 machine has no hardware virtualization
#   make install  mvmm, its man page, configs and docs under PREFIX
#                 (default /usr/local; DESTDIR for staging)

CC      ?= cc
BUILD   := build
OPT     ?= -O2
WARN    := -std=gnu11 -Wall -Wextra -Werror
CPPFLAGS := -D_GNU_SOURCE -I. -MMD -MP
CFLAGS  := $(WARN) $(OPT) -g -pthread
LDLIBS  := -linih -lnuma -luring -lfdt -ljansson -lseccomp -lpthread
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRCS    := $(sort $(wildcard vmm/*.c devices/*.c devices/virtio/*.c numa/*.c))
# The passphrase generator's word table, generated from Debian's diceware
# package (scripts/deps.sh installs it; devices/mock_accel_words.h).
WORDLIST ?= /usr/lib/python3/dist-packages/diceware/wordlists/wordlist_en_eff.txt
GEN_WORDS := $(BUILD)/gen/mock_accel_words.c
OBJS    := $(SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/mock_accel_words.o
LIBOBJS := $(filter-out $(BUILD)/vmm/main.o,$(OBJS))
SANOBJS := $(LIBOBJS:$(BUILD)/%=$(BUILD)/san/%)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT    := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/san/tests/%)
# libFuzzer harnesses (tests/fuzz/): the library built again with clang.
FUZZCC  ?= clang
FUZZSAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZFLAGS := $(WARN) -Wno-gnu-variable-sized-type-not-at-end -O1 -g -pthread $(FUZZSAN)
FUZZOBJS := $(LIBOBJS:$(BUILD)/%=$(BUILD)/fuzz/%)
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/bin/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
.SECONDARY: $(FUZZOBJS) $(SANOBJS)
TOOLS   := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(DESTDIR)$(PREFIX)/bin
MAN1DIR := $(DESTDIR)$(PREFIX)/share/man/man1
DATADIR := $(DESTDIR)$(PREFIX)/share/mvmm
DOCDIR  := $(DESTDIR)$(PREFIX)/share/doc/mvmm

.PHONY: all deps check unit fuzz kmod image guest-test demo bench stress experiment install clean \
	cluster-up cluster-status cluster-down cluster-demo
all: mvmm

mvmm: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O1 $(SAN) -c -o $@ $<

$(GEN_WORDS): scripts/gen-wordlist.sh $(wildcard $(WORDLIST))
	@mkdir -p $(dir $@)
	@scripts/gen-wordlist.sh $(WORDLIST) $@

$(BUILD)/gen/mock_accel_words.o: $(GEN_WORDS)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/san/gen/mock_accel_words.o: $(GEN_WORDS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O1 $(SAN) -c -o $@ $<

$(BUILD)/fuzz/gen/mock_accel_words.o: $(GEN_WORDS)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(CPPFLAGS) $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/san/tests/%: tests/unit/%.c $(SANOBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O1 $(SAN) -o $@ $< $(SANOBJS) $(LDLIBS) -lcmocka

$(BUILD)/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZCC) $(CPPFLAGS) $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/fuzz/bin/%: tests/fuzz/%.c $(FUZZOBJS)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(CPPFLAGS) $(FUZZFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZOBJS) $(LDLIBS)

# Static helpers copied into the test host or the inner guest.
$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -static -o $@ $<

# The setup-cost benchmark's LD_PRELOAD shim (tests/bench/firstrun.c).
$(BUILD)/bench/firstrun.so: tests/bench/firstrun.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) -O2 -shared -fPIC -o $@ $< -ldl

deps:
	@scripts/deps.sh

unit: $(UNIT) $(FUZZERS) mvmm
	@scripts/run-unit.sh $(UNIT)
	@scripts/run-fuzz.sh --smoke $(FUZZERS)
	@tests/testhost/test-rerun-policy.sh
	@scripts/test-bad-input.sh
	@scripts/test-install.sh
	@scripts/test-cluster.sh
	@scripts/test-experiment-plot.sh

# The guest driver, built against the guest kernel's own headers (cached).
kmod:
	@scripts/build-kmod.sh >/dev/null

image: deps kmod
	@scripts/build-image.sh

guest-test: mvmm $(TOOLS) kmod
	@tests/testhost/test-watchdog.sh
	@tests/testhost/run-guest-tests.sh

check: deps
	@$(MAKE) --no-print-directory all $(UNIT) $(FUZZERS) $(TOOLS)
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory guest-test

demo: deps
	@$(MAKE) --no-print-directory all $(TOOLS) kmod
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all $(TOOLS) $(BUILD)/bench/firstrun.so
	@tests/bench/run-bench.sh

experiment: deps
	@$(MAKE) --no-print-directory all $(TOOLS) kmod
	@scripts/run-experiment.sh

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZERS)
	@scripts/run-fuzz.sh --seconds $(FUZZ_SECONDS) $(FUZZERS)

stress: deps
	@$(MAKE) --no-print-directory all $(TOOLS)
	@tests/testhost/stress.sh $(STRESS_ARGS)

# The two-node cluster: one mvmm per node, both on one bridge (docs/cluster.md).
cluster-up: image mvmm
	@scripts/cluster.sh $(CLUSTER_ARGS) up

# The cluster demo: here with hardware KVM, else the small pair in the test host.
cluster-demo: deps
	@$(MAKE) --no-print-directory all $(TOOLS) kmod
	@scripts/demo.sh --cluster $(CLUSTER_ARGS)

cluster-status:
	@scripts/cluster.sh $(CLUSTER_ARGS) status

cluster-down:
	@scripts/cluster.sh $(CLUSTER_ARGS) down

install: mvmm $(BUILD)/tools/mvmm-ctl
	install -d $(BINDIR) $(MAN1DIR) $(DATADIR)/configs $(DOCDIR)
	install -m 0755 mvmm $(BINDIR)/mvmm
	install -m 0755 $(BUILD)/tools/mvmm-ctl $(BINDIR)/mvmm-ctl
	install -m 0644 docs/mvmm.1 $(MAN1DIR)/mvmm.1
	install -m 0644 configs/*.ini $(DATADIR)/configs/
	install -m 0644 README.md docs/*.md $(DOCDIR)/

clean:
	rm -rf $(BUILD) mvmm
	cd guest-kmod && rm -f *.o *.ko *.mod *.mod.c .*.cmd Module.symvers modules.order

-include $(OBJS:.o=.d) $(SANOBJS:.o=.d) $(FUZZOBJS:.o=.d) $(FUZZERS:=.d) $(UNIT:=.d)
