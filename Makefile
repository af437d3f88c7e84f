# CA appliance firmware: one non-recursive Makefile; each folder adds a fragment (*.mk).
#
#   make            build everything under build/ (binaries in build/bin/)
#   make check      install dependencies, check the includes against each folder's README,
#                   build, run every test (unit, integration)
#   make run        install, build the image, boot the appliance in QEMU (image/)
#   make run-host   the appliance on the host instead (demo token and CA, build/demo)
#   make image      the appliance image only (build/image/)
#   make SANITIZE=1 check   the suites with ASan/UBSan only, built under build/san/
#   make fuzz-smoke  every fuzz target for FUZZ_TIME seconds (tests/fuzz/README.md)
#   make coverage   line and branch coverage per folder, unit + integration tests,
#                   built under build/cov/ (tests/coverage/README.md); not in make check
#   make defconfig | olddefconfig | menuconfig

PYTHON  ?= /usr/bin/python3
SANITIZE ?= 0
COVERAGE ?= 0

ifeq ($(SANITIZE),1)
BUILD   ?= build/san
OPTFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
SANLDFLAGS = -fsanitize=address,undefined
else ifeq ($(COVERAGE),1)
# make coverage (tests/coverage/README.md): gcov counters, -O0 so that lines and
# branches are the source's; _FORTIFY_SOURCE needs optimisation and is left out.
# Counters are updated atomically: the daemons are threaded, and racing updates
# leave counts gcov cannot read. tests/coverage/gcov_flush.c (linked into every
# program) dumps them where an exit handler would not run (_exit, a signal).
BUILD   ?= build/cov
OPTFLAGS = -O0 -g --coverage -fprofile-update=atomic
SANLDFLAGS = --coverage -Wl,--wrap=_exit,--wrap=exit
else
BUILD   ?= build
OPTFLAGS = -O2 -g -D_FORTIFY_SOURCE=2
SANLDFLAGS =
endif

BIN     := $(BUILD)/bin
OBJ     := $(BUILD)/obj
LIB     := $(BUILD)/lib
GEN     := $(BUILD)/gen
TBIN    := $(BUILD)/tests

CC      ?= cc
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wpointer-arith \
           -Wno-format-truncation  # error messages are cut to their buffers on purpose
CFLAGS  ?=
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPTFLAGS) $(WARN) -fstack-protector-strong -fPIE \
           -I. -I$(BUILD) -I$(GEN) -I/usr/include/p11-kit-1 -MMD -MP
LDFLAGS += -pie -Wl,-z,relro,-z,now $(SANLDFLAGS)

# System libraries, each spelled once; a program names the ones it needs in its
# target-specific SYSLIBS.
LIB_WOLFSSL  := -lwolfssl
LIB_TASN1    := -ltasn1
LIB_P11KIT   := -lp11-kit
LIB_DB       := -ldb-5.3
LIB_SECCOMP  := -lseccomp
LIB_GSSAPI   := -lgssapi_krb5
LIB_PTHREAD  := -lpthread

CONFIG_H := $(BUILD)/config.h
DEPS_STAMP := build/.deps-installed

.PHONY: all deps check check-includes check-unit check-integration run bench clean distclean \
        defconfig olddefconfig menuconfig
all:

# ---- configuration (kconfiglib) --------------------------------------------
# .config is made from configs/defconfig when missing; `make defconfig` remakes it.
.config defconfig:
	KCONFIG_CONFIG=.config $(PYTHON) -m defconfig --kconfig Kconfig configs/defconfig

olddefconfig: .config
	KCONFIG_CONFIG=.config $(PYTHON) -m olddefconfig Kconfig

menuconfig:
	KCONFIG_CONFIG=.config $(PYTHON) -m menuconfig Kconfig

$(CONFIG_H): .config Kconfig
	@mkdir -p $(dir $@)
	KCONFIG_CONFIG=.config $(PYTHON) -m genconfig --header-path $@.tmp Kconfig
	mv $@.tmp $@

# ---- generic rules -----------------------------------------------------------
# config.h is only an order-only prerequisite: it must exist before the first
# compile, and from then on the -MMD dependency files name it for exactly the
# objects that include it, so a Kconfig change recompiles those alone.
$(OBJ)/%.o: %.c | $(CONFIG_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# Generated sources live under $(GEN) and compile with the same flags.
$(OBJ)/gen/%.o: $(GEN)/%.c | $(CONFIG_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -c $< -o $@

# objs(src...) maps sources to objects.
objs = $(patsubst %.c,$(OBJ)/%.o,$(1))

# The one link recipe: a program from its prerequisites, objects first, then the
# project's archives in the order listed (dependents first: the libraries have no
# cycles, so no link group), then its system libraries (SYSLIBS, set per target).
define link
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(SYSLIBS)
endef

# The one archive recipe.
define archive
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
endef

# ---- fragments ---------------------------------------------------------------
include platform/platform.mk
include firmware/asn1/asn1.mk
include firmware/x509/x509.mk
include firmware/policy/policy.mk
include firmware/rpc/rpc.mk
include firmware/icpr/icpr.mk
include hsm/hsm.mk
include firmware/ledger/ledger.mk
include firmware/operator/operator.mk
include firmware/identity/identity.mk
include firmware/custodian/custodian.mk
include firmware/admin/admin.mk
include firmware/supervisor/supervisor.mk
include firmware/auth/auth.mk
include firmware/worker/worker.mk
include firmware/client/client.mk
include tests/unit/unit.mk
include tests/bench/bench.mk
include tests/fuzz/fuzz.mk
include tests/integration/integration.mk
include image/image.mk
include tests/system/system.mk
include tests/fresh/fresh.mk
include tests/soak/soak.mk
include tests/coverage/coverage.mk

all: $(ALL_BINS)

# ---- dependencies --------------------------------------------------------------
# The stamp is remade when the list of packages changes (install-deps.sh installs
# only what is missing).
deps:
	platform/install-deps.sh
	@mkdir -p build && touch $(DEPS_STAMP)

$(DEPS_STAMP): platform/install-deps.sh
	platform/install-deps.sh
	@mkdir -p build && touch $@

# ---- tests -----------------------------------------------------------------------
# make check: every suite on the normal build, then again under ASan/UBSan, then a
# short run of every fuzz target, the coverage floors (make coverage: below a
# folder's floor in tests/coverage/floors, the check fails) and the image's system
# tests. make SANITIZE=1 check: the sanitizer build alone.
ifeq ($(SANITIZE),1)
check: $(DEPS_STAMP)
	$(MAKE) SANITIZE=1 check-unit check-integration
else
check: $(DEPS_STAMP)
	$(MAKE) check-includes
	$(MAKE) check-unit check-integration
	$(MAKE) SANITIZE=1 check-unit check-integration
	$(MAKE) FUZZ_TIME=$(CHECK_FUZZ_TIME) fuzz-smoke
	$(MAKE) coverage
	$(MAKE) check-system
endif
CHECK_FUZZ_TIME ?= 5

# Every #include of platform/, hsm/ and firmware/*/ against the "May include:" line
# of its folder's README.md (tests/includes/): lower layers never include from the
# daemons.
check-includes:
	$(PYTHON) tests/includes/check_includes.py .

check-unit: $(ALL_BINS) $(UNIT_TESTS)
	tests/unit/run.sh $(UNIT_TESTS)

check-integration: $(ALL_BINS) $(INTEGRATION_TOOLS)
	CA_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q tests/integration

bench: $(DEPS_STAMP) $(ALL_BINS) $(BENCH_BINS) $(TBIN)/ledger_fill
	tests/bench/run.sh $(abspath $(BUILD))

# ---- demo ----------------------------------------------------------------------
run: $(DEPS_STAMP)
	$(MAKE) image
	image/run.sh $(IMAGE_BUILD) $(IMAGE_DIR) build/run

clean:
	rm -rf build/obj build/bin build/lib build/gen build/tests build/san build/fuzz build/cov \
		build/config.h

distclean:
	rm -rf build .config .config.old

# Dependency files only (the image's root has directories named *.d: etc/gss/mech.d).
-include $(shell find $(BUILD) -path '$(BUILD)/image' -prune -o -name '*.d' -type f -print 2>/dev/null)
