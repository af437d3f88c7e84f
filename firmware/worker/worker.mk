# firmware/worker/: ca-worker, the sandboxed network-facing process.
WORKER_SRCS := $(wildcard firmware/worker/*.c)
WORKER_BIN  := $(BIN)/ca-worker

$(WORKER_BIN): $(call objs,$(WORKER_SRCS)) $(RPC_LIB) $(ICPR_LIB) $(X509_LIB) $(ASN1_LIB) \
		$(PLATFORM_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(call objs,$(WORKER_SRCS)) -Wl,--start-group $(RPC_LIB) \
		$(ICPR_LIB) $(X509_LIB) $(ASN1_LIB) $(PLATFORM_LIB) -Wl,--end-group \
		-lwolfssl -ltasn1 -lseccomp -lpthread

ALL_BINS += $(WORKER_BIN)
