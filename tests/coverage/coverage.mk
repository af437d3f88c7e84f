# tests/coverage/: `make coverage`, line and branch coverage per folder for the unit
# and integration suites together (tests/coverage/README.md). Part of make check (its
# floors are what CI checks): it builds everything again under build/cov/ and runs
# every suite (~10 min here).
.PHONY: coverage
coverage: $(DEPS_STAMP)
	tests/coverage/run.sh build/cov

# The coverage build's programs dump their counters on _exit and on a fatal signal
# too (gcov_flush.c); the object is a prerequisite, so the link recipe takes it.
ifeq ($(COVERAGE),1)
COV_FLUSH_OBJ := $(OBJ)/tests/coverage/gcov_flush.o
# Where the counters belong: a process jailed away from it (ca-auth) writes
# under its jail's /gcov instead, which run.sh gathers.
$(COV_FLUSH_OBJ): CFLAGS += -DCOV_OBJ_DIR='"$(abspath $(OBJ))"'
$(ALL_BINS) $(UNIT_TESTS) $(INTEGRATION_TOOLS) $(BENCH_BINS) $(TBIN)/bench_ledger \
	$(TBIN)/bench_enroll: $(COV_FLUSH_OBJ)
endif
