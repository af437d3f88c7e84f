# firmware/ledger/: ca-ledger, the only program that opens the Berkeley DB
# environment, and libledger (the event model, rows, views, the store), which the
# unit tests, the bench and caadm's read-only tools link too.
# serve.c is in libledger (the fuzz target drives its handlers); the sandbox is
# the daemon's alone (libseccomp).
LEDGER_MAIN_SRCS := firmware/ledger/main.c firmware/ledger/sandbox.c
LEDGER_SRCS := $(filter-out $(LEDGER_MAIN_SRCS),$(wildcard firmware/ledger/*.c))
LEDGER_LIB  := $(LIB)/libledger.a
LEDGER_BIN  := $(BIN)/ca-ledger
LIBS_DB     := -ldb-5.3

$(LEDGER_LIB): $(call objs,$(LEDGER_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LEDGER_BIN): $(call objs,$(wildcard $(LEDGER_MAIN_SRCS))) $(LEDGER_LIB) $(PLATFORM_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(call objs,$(wildcard $(LEDGER_MAIN_SRCS))) -Wl,--start-group \
		$(LEDGER_LIB) $(PLATFORM_LIB) -Wl,--end-group $(LIBS_DB) -lwolfssl -lseccomp -lpthread

ifneq ($(wildcard firmware/ledger/main.c),)
ALL_BINS += $(LEDGER_BIN)
endif
