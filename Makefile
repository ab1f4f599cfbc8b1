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
SYS_DAEMON	:= $(LDLIBS_BPF) -lcurl -lyaml -ljansson -lmicrohttpd -lsystemd -lpthread -lm

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
BENCH_PKT_OBJS	:= $(OUTPUT)/tests/bpf/bpftest_env.o $(OUTPUT)/tests/bpf/pktbuild.o \
		   $(OUTPUT)/tests/bench/lib/pktbench_state.o

STEERD_OBJS	:= $(OUTPUT)/user/steerd/main.o
STEERCTL_OBJS	:= $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(wildcard user/steerctl/*.c))
BINS		:= $(OUTPUT)/steerd $(OUTPUT)/steerctl
MANS		:= $(OUTPUT)/man/steerd.8 $(OUTPUT)/man/steerctl.8 $(OUTPUT)/man/steer-policy.5

DEPS_STAMP	:= $(OUTPUT)/.deps-ok
# Goals that never install packages on the host: installing what was built
# and removing it (build and test dependencies stay with make / make test).
# NO_DEPS=1 does the same for any goal (a package build: Build-Depends).
NO_DEPS_GOALS	:= install uninstall install-files deb man clean help
DEPS_PREREQ	:= $(DEPS_STAMP)
ifneq ($(NO_DEPS),)
DEPS_PREREQ	:=
else ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(NO_DEPS_GOALS),$(MAKECMDGOALS)),)
DEPS_PREREQ	:=
endif
endif

.PHONY: all deps test test-unit test-bpf test-e2e demo bench bench-smoke bench-build install \
	uninstall man deb clean help format tests-build fuzz fuzz-build fuzz-bins test-asan \
	san-build

all: $(BPF_OBJS) $(SKELS) $(ALL_LIBS) $(BINS) $(MANS) tests-build

help:
	@echo "steer make targets:"
	@echo "  make            build BPF objects, skeletons, the part archives, steerd, steerctl, tests"
	@echo "  make test       run every test (unit, BPF fixtures, namespace tests; root)"
	@echo "  make demo       run the demo on a namespace testbed (root)"
	@echo "  make fuzz       libFuzzer harnesses + the XDP packet fuzzer, FUZZ_SECONDS each [60]"
	@echo "  make test-asan  unit tests, steerd e2e tests and a leak check under ASan+UBSan"
	@echo "  make bench      run the benchmarks (root, ~15 min): .output/bench/results.md"
	@echo "  make bench-smoke  the same scripts with tiny rounds (a few seconds)"
	@echo "  make install    install binaries, unit, docs, /etc/steer/policy.yaml (PREFIX=/usr/local,"
	@echo "                  DESTDIR, SBINDIR, SYSCONFDIR, SYSTEMDUNITDIR...; never installs packages)"
	@echo "  make uninstall  remove what make install put there (a changed policy stays)"
	@echo "  make man        steerd(8), steerctl(8), steer-policy(5) from docs/*.md"
	@echo "  make deb        the Debian package (dpkg-buildpackage -us -uc -b): .output/deb/"
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

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(DEPS_PREREQ)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# Every userspace object: the skeletons must exist before the first compile
# (the loader includes them); after that -MMD knows who includes what.
$(OUTPUT)/%.o: %.c | $(SKELS) $(DEPS_PREREQ)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

define part_rule
$(call part_lib,$(1)): $(call part_objs,$(1))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach p,$(PARTS),$(if $(call part_srcs,$(p)),$(eval $(call part_rule,$(p)))))

$(OUTPUT)/steerd: $(STEERD_OBJS) $(LIBS_DAEMON)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.o,$^) $(filter %.a,$^) $(SYS_DAEMON) -o $@

# steerctl speaks the control protocol and prints: no libbpf, no libcurl.
$(OUTPUT)/steerctl: $(STEERCTL_OBJS) $(LIBS_PROTO)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.o,$^) $(filter %.a,$^) -ljansson -lm -o $@

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

# ---- man pages, made from docs/*.md (scripts/md2man.awk) ----
VERSION		:= $(shell sed -n 's/^\#define STEERD_VERSION "\(.*\)"/\1/p' user/steerd/main.c)
# reproducible: the date of the last commit (or SOURCE_DATE_EPOCH), not today
MAN_EPOCH	:= $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),0)
MAN_DATE	:= $(shell date -u -d @$(MAN_EPOCH) +%Y-%m-%d)
# page: source, section, what it is (the NAME line)
man_src_steerd.8	:= docs/steerd.md
man_desc_steerd.8	:= the steer gateway daemon: policy to BPF steering tables
man_src_steerctl.8	:= docs/steerctl.md
man_desc_steerctl.8	:= manage and watch a running steerd
man_src_steer-policy.5	:= docs/policy.md
man_desc_steer-policy.5	:= steer policy file (/etc/steer/policy.yaml)

man: $(MANS)

.SECONDEXPANSION:
$(OUTPUT)/man/%: $$(man_src_$$*) scripts/md2man.awk
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)awk -v name=$(basename $*) -v section=$(subst .,,$(suffix $*)) \
		-v desc="$(man_desc_$*)" -v date=$(MAN_DATE) -v version=$(VERSION) \
		-f scripts/md2man.awk $< > $@.tmp && mv $@.tmp $@

# ---- install (GNU directory variables; DESTDIR for staging) ----
# make install [PREFIX=/usr/local] [DESTDIR=DIR]: steerd and steerctl in
# SBINDIR, the systemd unit (generated from scripts/steerd.service.in with
# these paths), docs, and SYSCONFDIR/steer/policy.yaml from
# examples/gateway.yaml (attaches nothing; an existing file is kept).
# make uninstall removes the same files (the policy only if unchanged).
PREFIX		?= /usr/local
EXEC_PREFIX	?= $(PREFIX)
SBINDIR		?= $(EXEC_PREFIX)/sbin
DATAROOTDIR	?= $(PREFIX)/share
DOCDIR		?= $(DATAROOTDIR)/doc/steer
MANDIR		?= $(DATAROOTDIR)/man
SYSCONFDIR	?= /etc
LOCALSTATEDIR	?= /var
RUNSTATEDIR	?= /run
BASHCOMPDIR	?= $(DATAROOTDIR)/bash-completion/completions
# systemd reads units from /lib/systemd/system and /usr/local/lib/systemd/system
ifeq ($(PREFIX),/usr)
SYSTEMDUNITDIR	?= /lib/systemd/system
else
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system
endif
INSTALL		?= install
UNIT		:= $(OUTPUT)/steerd.service
INSTALL_DOCS	:= README.md $(wildcard docs/*.md)

$(UNIT): scripts/steerd.service.in Makefile
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		-e 's|@DOCDIR@|$(DOCDIR)|g' -e 's|@MANDIR@|$(MANDIR)|g' $< > $@.tmp && mv $@.tmp $@

# The unit's paths depend on the directory variables: regenerate it each time.
.PHONY: $(UNIT)

install: $(BINS) $(UNIT) $(MANS)
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(SYSCONFDIR)/steer $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 0755 $(BINS) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0644 $(filter %.8,$(MANS)) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(filter %.5,$(MANS)) $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 scripts/steerctl.bash-completion $(DESTDIR)$(BASHCOMPDIR)/steerctl
	$(INSTALL) -m 0644 $(UNIT) $(DESTDIR)$(SYSTEMDUNITDIR)/steerd.service
	$(INSTALL) -m 0644 $(INSTALL_DOCS) examples/policy.yaml $(DESTDIR)$(DOCDIR)/
	test -e $(DESTDIR)$(SYSCONFDIR)/steer/policy.yaml || \
		$(INSTALL) -m 0644 examples/gateway.yaml $(DESTDIR)$(SYSCONFDIR)/steer/policy.yaml

# make deb: steer_VERSION_ARCH.deb in $(OUTPUT)/deb, built by
# dpkg-buildpackage from a copy of the tree (its results go to the parent
# directory, which is then ours). scripts/install-deps.sh --deb brings the
# Build-Depends, debhelper and lintian (not the test packages); NO_DEPS=1
# skips it. lintian, when present, must report no error and no warning.
DEB_DIR		:= $(OUTPUT)/deb
deb:
	$(if $(NO_DEPS),,scripts/install-deps.sh --deb)
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/steer-$(VERSION)
	tar -c --exclude=./.output --exclude=./.git --exclude=./node_modules \
		--exclude=./tests/e2e/openai/node_modules . | tar -x -C $(DEB_DIR)/steer-$(VERSION)
	cd $(DEB_DIR)/steer-$(VERSION) && dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/*.deb
	if command -v lintian >/dev/null; then lintian --fail-on error,warning \
		$(DEB_DIR)/*.changes; fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/steerd $(DESTDIR)$(SBINDIR)/steerctl \
		$(DESTDIR)$(SYSTEMDUNITDIR)/steerd.service $(DESTDIR)$(BASHCOMPDIR)/steerctl \
		$(DESTDIR)$(MANDIR)/man8/steerd.8 $(DESTDIR)$(MANDIR)/man8/steerctl.8 \
		$(DESTDIR)$(MANDIR)/man5/steer-policy.5
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(INSTALL_DOCS)) policy.yaml)
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@# the operator's policy stays unless it is the untouched example
	if cmp -s examples/gateway.yaml $(DESTDIR)$(SYSCONFDIR)/steer/policy.yaml; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/steer/policy.yaml; fi
	rmdir $(DESTDIR)$(SYSCONFDIR)/steer 2>/dev/null || true

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^vmlinux/')

clean:
	rm -rf $(OUTPUT)

# Objects are intermediate files of the test and tool rules: keep them, or
# make deletes them after each build and compiles them again the next time.
.SECONDARY:

# Header dependencies recorded by the compiler (absent on the first build).
-include $(shell find $(OUTPUT) -name '*.d' 2>/dev/null)
