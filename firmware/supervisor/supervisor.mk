# firmware/supervisor/: cad, the supervisor of ledger, custodian and worker.
CAD_SRCS := $(wildcard firmware/supervisor/*.c)
CAD_BIN  := $(BIN)/cad

$(CAD_BIN): $(call objs,$(CAD_SRCS)) $(PLATFORM_LIB)
$(CAD_BIN): SYSLIBS := $(LIB_PTHREAD)
$(CAD_BIN):
	$(link)

ALL_BINS += $(CAD_BIN)
