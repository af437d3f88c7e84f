# firmware/supervisor/: cad, the supervisor of ledger, custodian and worker.
# libsupervisor holds what unit tests reach (the restart policy, pace.c); cad.c
# is the process handling and main.
CAD_MAIN_SRCS := firmware/supervisor/cad.c
CAD_SRCS      := $(filter-out $(CAD_MAIN_SRCS),$(wildcard firmware/supervisor/*.c))
CAD_LIB       := $(LIB)/libsupervisor.a
CAD_BIN       := $(BIN)/cad

$(CAD_LIB): $(call objs,$(CAD_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CAD_BIN): $(call objs,$(CAD_MAIN_SRCS)) $(CAD_LIB) $(PLATFORM_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(call objs,$(CAD_MAIN_SRCS)) $(CAD_LIB) $(PLATFORM_LIB) -lpthread

ALL_BINS += $(CAD_BIN)
