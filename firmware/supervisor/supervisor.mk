# firmware/supervisor/: cad, the supervisor of ledger, custodian and worker.
# libsupervisor holds what unit tests reach: the process handling (sup.c), the
# start-up checks (prepare.c), the restart policy (pace.c); cad.c is main and
# what a start is (the daemons' arguments and channels).
CAD_MAIN_SRCS := firmware/supervisor/cad.c
CAD_SRCS      := $(filter-out $(CAD_MAIN_SRCS),$(wildcard firmware/supervisor/*.c))
CAD_LIB       := $(LIB)/libsupervisor.a
CAD_BIN       := $(BIN)/cad

$(CAD_LIB): $(call objs,$(CAD_SRCS))
	$(archive)

$(CAD_BIN): $(call objs,$(CAD_MAIN_SRCS)) $(CAD_LIB) $(PLATFORM_LIB)
$(CAD_BIN): SYSLIBS := $(LIB_PTHREAD)
$(CAD_BIN):
	$(link)

ALL_BINS += $(CAD_BIN)
