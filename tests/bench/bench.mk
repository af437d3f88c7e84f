# tests/bench/: benchmarks (`make bench`), not part of `make check`.
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(TBIN)/%,$(BENCH_SRCS))

$(TBIN)/bench_%: $(OBJ)/tests/bench/bench_%.o $(PROJECT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(PROJECT_LIBS) -Wl,--end-group \
		$(SYS_LIBS)
