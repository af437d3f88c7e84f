# firmware/supervisor/: cad, the supervisor of ledger, custodian and worker.
CAD_SRCS := $(wildcard firmware/supervisor/*.c)
CAD_BIN  := $(BIN)/cad

$(CAD_BIN): $(call objs,$(CAD_SRCS)) $(PLATFORM_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(call objs,$(CAD_SRCS)) $(PLATFORM_LIB) -lpthread

ALL_BINS += $(CAD_BIN)
