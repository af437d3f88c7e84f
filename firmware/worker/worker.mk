# firmware/worker/: ca-worker, the sandboxed network-facing process: libworker
# (connection slots, the connection loop, the calls, NTLM via ca-auth, the
# sandbox), which the unit tests link, and a small main.c.
WORKER_MAIN_SRCS := firmware/worker/main.c
WORKER_SRCS := $(filter-out $(WORKER_MAIN_SRCS),$(wildcard firmware/worker/*.c))
WORKER_LIB  := $(LIB)/libworker.a
WORKER_BIN  := $(BIN)/ca-worker

$(WORKER_LIB): $(call objs,$(WORKER_SRCS))
	$(archive)

$(WORKER_BIN): $(call objs,$(WORKER_MAIN_SRCS)) $(CUST_MSG_OBJ) $(AUTH_MSG_OBJ) $(WORKER_LIB) $(RPC_LIB) \
		$(ICPR_LIB) $(X509_LIB) $(ASN1_LIB) $(PLATFORM_LIB)
$(WORKER_BIN): SYSLIBS := $(LIB_WOLFSSL) $(LIB_TASN1) $(LIB_SECCOMP) $(LIB_PTHREAD)
$(WORKER_BIN):
	$(link)

ALL_BINS += $(WORKER_BIN)
