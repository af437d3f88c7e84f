# firmware/ledger/: ca-ledger, the only program that opens the Berkeley DB
# environment, and libledger (the event model, rows, views, the store), which the
# unit tests, the bench and caadm's read-only tools link too.
# serve.c is in libledger (the fuzz target drives its handlers); the sandbox is
# the daemon's alone (libseccomp).
LEDGER_MAIN_SRCS := firmware/ledger/main.c firmware/ledger/sandbox.c
LEDGER_SRCS := $(filter-out $(LEDGER_MAIN_SRCS),$(wildcard firmware/ledger/*.c))
LEDGER_LIB  := $(LIB)/libledger.a
LEDGER_BIN  := $(BIN)/ca-ledger

$(LEDGER_LIB): $(call objs,$(LEDGER_SRCS))
	$(archive)

$(LEDGER_BIN): $(call objs,$(LEDGER_MAIN_SRCS)) $(LEDGER_LIB) $(PLATFORM_LIB)
$(LEDGER_BIN): SYSLIBS := $(LIB_DB) $(LIB_WOLFSSL) $(LIB_SECCOMP) $(LIB_PTHREAD)
$(LEDGER_BIN):
	$(link)

ALL_BINS += $(LEDGER_BIN)
