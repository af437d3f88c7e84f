# tests/bench/: benchmarks (`make bench`), not part of `make check`.
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(TBIN)/%,$(BENCH_SRCS))

# bench_ledger needs only the ledger's library (event codec) and platform (IPC);
# it drives ca-ledger, which `make bench` builds with ALL_BINS.
$(TBIN)/bench_ledger: $(OBJ)/tests/bench/bench_ledger.o $(LEDGER_LIB) $(PLATFORM_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(LEDGER_LIB) $(PLATFORM_LIB) \
		-Wl,--end-group $(LIBS_DB) -lwolfssl -lpthread

$(TBIN)/bench_%: $(OBJ)/tests/bench/bench_%.o $(PROJECT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(PROJECT_LIBS) -Wl,--end-group \
		$(SYS_LIBS)
