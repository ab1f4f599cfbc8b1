# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steer build, everything under .output/:
#   bpf/*.bpf.c  -> .output/bpf/*.bpf.o -> .output/*.skel.h
#   user/<part>/ -> .output/user/<part>/*.o -> .output/lib<part>.a (one archive per part)
#   steerd = user/steerd + the archives it uses; steerctl = user/steerctl + proto + util
# Dependencies on headers come from the compiler (-MMD), not from lists.
# `make V=1` shows the commands.

OUTPUT		:= .output
CLANG		?= clang
CC		?= gcc
BPFTOOL		?= bpftool
ARCH		:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

INCLUDES	:= -Iinclude -I$(OUTPUT) -Iuser
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wextra -Werror \
		   -Wno-unused-parameter -mcpu=v3 -Ivmlinux -Iinclude -Ibpf
CFLAGS		?= -g -O2
CFLAGS		+= -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE $(INCLUDES) $(WARN_EXTRA)
DEPFLAGS	= -MMD -MP -MF $(@:%=%.d)
LDLIBS_BPF	:= -lbpf -lelf -lz
LDLIBS_CMOCKA	:= -lcmocka

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS		:= $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

# The parts of userspace, one folder and one archive each, in link order
# (a part only uses the parts after it).
PARTS		:= steerd metrics engine probe policy dp proto util
part_srcs	= $(filter-out user/steerd/main.c,$(wildcard user/$(1)/*.c))
part_objs	= $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(call part_srcs,$(1)))
part_lib	= $(if $(call part_srcs,$(1)),$(OUTPUT)/lib$(1).a)
ALL_LIBS	:= $(foreach p,$(PARTS),$(call part_lib,$(p)))
# What each program and test links: archives (only the objects it uses are
# pulled in) and the system libraries those parts need.
LIBS_UTIL	:= $(call part_lib,util)
LIBS_PROTO	:= $(call part_lib,proto) $(LIBS_UTIL)
LIBS_DP		:= $(call part_lib,dp) $(LIBS_UTIL)
LIBS_DAEMON	:= $(ALL_LIBS)
SYS_DAEMON	:= $(LDLIBS_BPF) -lcurl -lyaml -ljansson -lmicrohttpd -lpthread -lm

UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(UNIT_SRCS))
# the other tests/unit/*.c are shared fixtures, linked into every unit test
UNIT_FIX_OBJS	:= $(patsubst %.c,$(OUTPUT)/%.o,$(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c)))
BPFT_SRCS	:= $(filter-out tests/bpf/pktbuild.c,$(wildcard tests/bpf/test_*.c))
BPFT_BINS	:= $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/bpf/%,$(BPFT_SRCS))
BPFT_COMMON	:= $(filter-out $(BPFT_SRCS),$(wildcard tests/bpf/*.c))
BPFT_OBJS	:= $(patsubst %.c,$(OUTPUT)/%.o,$(BPFT_COMMON))
MOCKLLM_SRCS	:= $(wildcard tests/mockllm/*.c)
MOCKLLM_OBJS	:= $(patsubst %.c,$(OUTPUT)/%.o,$(MOCKLLM_SRCS))
MOCKLLM		:= $(if $(MOCKLLM_SRCS),$(OUTPUT)/mockllm)
E2E_SRCS	:= $(wildcard tests/e2e/*.c)
E2E_BINS	:= $(patsubst tests/e2e/%.c,$(OUTPUT)/tests/e2e/%,$(E2E_SRCS))
BENCH_SRCS	:= $(wildcard tests/bench/*.c)
BENCH_BINS	:= $(patsubst tests/bench/%.c,$(OUTPUT)/bench/%,$(BENCH_SRCS))
# pktbench runs in the BPF fixtures' private environment and packet builder
BENCH_PKT_OBJS	:= $(OUTPUT)/tests/bpf/bpftest_env.o $(OUTPUT)/tests/bpf/pktbuild.o

STEERD_OBJS	:= $(OUTPUT)/user/steerd/main.o
STEERCTL_OBJS	:= $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(wildcard user/steerctl/*.c))
BINS		:= $(OUTPUT)/steerd $(OUTPUT)/steerctl

DEPS_STAMP	:= $(OUTPUT)/.deps-ok

.PHONY: all deps test test-unit test-bpf test-e2e demo bench bench-smoke bench-build install \
	clean help format tests-build fuzz fuzz-build fuzz-bins test-asan san-build

all: $(BPF_OBJS) $(SKELS) $(ALL_LIBS) $(BINS) tests-build

help:
	@echo "steer make targets:"
	@echo "  make            build BPF objects, skeletons, the part archives, steerd, steerctl, tests"
	@echo "  make test       run every test (unit, BPF fixtures, namespace tests; root)"
	@echo "  make demo       run the demo on a namespace testbed (root)"
	@echo "  make fuzz       libFuzzer harnesses + the XDP packet fuzzer, FUZZ_SECONDS each [60]"
	@echo "  make test-asan  unit tests, steerd e2e tests and a leak check under ASan+UBSan"
	@echo "  make bench      run the benchmarks (root, ~15 min): .output/bench/results.md"
	@echo "  make bench-smoke  the same scripts with tiny rounds (a few seconds)"
	@echo "  make install    install binaries and the systemd unit (PREFIX=/usr/local)"
	@echo "  make format     clang-format the C sources"
	@echo "  make clean      remove .output/"
	@echo "  V=1             show commands"

# Install missing Debian packages once per build tree (idempotent script).
$(DEPS_STAMP): scripts/install-deps.sh
	$(call msg,DEPS,install-deps.sh)
	$(Q)mkdir -p $(OUTPUT)
	$(Q)scripts/install-deps.sh
	$(Q)touch $@

deps: $(DEPS_STAMP)

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(DEPS_STAMP)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# Every userspace object: the skeletons must exist before the first compile
# (the loader includes them); after that -MMD knows who includes what.
$(OUTPUT)/%.o: %.c | $(SKELS) $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

define part_rule
$(call part_lib,$(1)): $(call part_objs,$(1))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach p,$(PARTS),$(if $(call part_srcs,$(p)),$(eval $(call part_rule,$(p)))))

$(OUTPUT)/steerd: $(STEERD_OBJS) $(LIBS_DAEMON)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(filter %.o,$^) $(filter %.a,$^) $(SYS_DAEMON) -o $@

# steerctl speaks the control protocol and prints: no libbpf, no libcurl.
$(OUTPUT)/steerctl: $(STEERCTL_OBJS) $(LIBS_PROTO)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(filter %.o,$^) $(filter %.a,$^) -ljansson -lm -o $@

# ---- tests ----

tests-build: $(UNIT_BINS) $(BPFT_BINS) $(E2E_BINS) $(MOCKLLM)

$(OUTPUT)/mockllm: $(MOCKLLM_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) -pthread $^ -ljansson -lm -o $@

# Unit tests link the archives (the linker takes the objects a test uses).
# test_steerctl tests steerctl's own objects (all but main.o).
$(OUTPUT)/tests/unit/test_steerctl: $(filter-out %/main.o,$(STEERCTL_OBJS))
$(UNIT_BINS): $(UNIT_FIX_OBJS)
$(OUTPUT)/tests/unit/%: $(OUTPUT)/tests/unit/%.o $(LIBS_DAEMON)
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(filter %.o,$^) $(filter %.a,$^) $(SYS_DAEMON) $(LDLIBS_CMOCKA) -o $@

$(OUTPUT)/tests/bpf/%: $(OUTPUT)/tests/bpf/%.o $(BPFT_OBJS) $(LIBS_DP)
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(filter %.o,$^) $(filter %.a,$^) $(LDLIBS_BPF) $(LDLIBS_CMOCKA) -lm -o $@

$(OUTPUT)/tests/e2e/%: $(OUTPUT)/tests/e2e/%.o $(LIBS_DAEMON)
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(filter %.o,$^) $(filter %.a,$^) $(SYS_DAEMON) -o $@

test: all fuzz-build
	$(Q)tests/run-tests.sh

test-unit: all
	$(Q)tests/run-tests.sh unit

test-bpf: all
	$(Q)tests/run-tests.sh bpf

test-e2e: all
	$(Q)tests/run-tests.sh e2e

# ---- fuzzing (tests/fuzz/, docs/testing in README) ----
# The harnesses and every part they link are built by clang with libFuzzer
# and ASan+UBSan in their own tree ($(FUZZ_OUT)), by a make of this file
# with OUTPUT, CC and CFLAGS replaced (CFLAGS from the environment, so that
# the += above still adds warnings and include paths).
FUZZ_OUT	:= .output/fuzz
FUZZ_SECONDS	?= 60
FUZZ_SRCS	:= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS	:= -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)
# clang 14's -Wextra warns of { "name" } initializers (the rest zero-filled)
FUZZ_WARN	:= -Wno-missing-field-initializers
FUZZ_BINS	= $(patsubst tests/fuzz/%.c,$(OUTPUT)/bin/%,$(FUZZ_SRCS))

fuzz-build:
	$(Q)CC=$(CLANG) CFLAGS="$(FUZZ_CFLAGS)" $(MAKE) --no-print-directory OUTPUT=$(FUZZ_OUT) \
		WARN_EXTRA="$(FUZZ_WARN)" fuzz-bins

fuzz-bins: $(FUZZ_BINS)

$(OUTPUT)/bin/fuzz_%: $(OUTPUT)/tests/fuzz/fuzz_%.o $(LIBS_DAEMON)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $(filter %.o,$^) $(filter %.a,$^) $(SYS_DAEMON) -o $@

# ---- sanitizers: everything built again with ASan + UBSan in .output/san;
# unit tests, the steerd namespace tests and a leak check (tests/asan/) ----
SAN_OUT		:= .output/san
SAN_CFLAGS	:= -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
		   -fno-sanitize-recover=undefined

san-build:
	$(Q)CFLAGS="$(SAN_CFLAGS)" $(MAKE) --no-print-directory OUTPUT=$(SAN_OUT) all

test-asan: san-build
	$(Q)STEER_OUT=$(SAN_OUT) tests/asan/run.sh

# every harness FUZZ_SECONDS, then the XDP packet fuzzer as long
fuzz: fuzz-build all
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run-tests.sh fuzz
	$(Q)BPFT_FUZZ_SECONDS=$(FUZZ_SECONDS) $(OUTPUT)/tests/bpf/test_xdp_fuzz

demo: all
	$(Q)scripts/demo.sh

bench: all bench-build
	$(Q)scripts/bench.sh

bench-smoke: all bench-build
	$(Q)scripts/bench.sh --smoke

bench-build: $(BENCH_BINS)

# tests/bench/*.c -> .output/bench/<name> (benchmark tools; never run by make test)
$(OUTPUT)/bench/pktbench: $(BENCH_PKT_OBJS)
$(OUTPUT)/tests/bench/%.o: CFLAGS += -Itests/bpf
$(OUTPUT)/bench/%: $(OUTPUT)/tests/bench/%.o $(LIBS_DAEMON)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(filter %.o,$^) $(filter %.a,$^) $(SYS_DAEMON) -o $@

PREFIX		?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)/etc/steer $(DESTDIR)/lib/systemd/system
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 scripts/steerd.service $(DESTDIR)/lib/systemd/system/steerd.service
	$(if $(wildcard examples/policy.yaml),test -e $(DESTDIR)/etc/steer/policy.yaml || \
		install -m 0644 examples/policy.yaml $(DESTDIR)/etc/steer/policy.yaml)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^vmlinux/')

clean:
	rm -rf $(OUTPUT)

# Objects are intermediate files of the test and tool rules: keep them, or
# make deletes them after each build and compiles them again the next time.
.SECONDARY:

# Header dependencies recorded by the compiler (absent on the first build).
-include $(shell find $(OUTPUT) -name '*.d' 2>/dev/null)
