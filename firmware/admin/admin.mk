# firmware/admin/: caadm, the operator's console tool. It never links the PKCS#11
# layer: HSM work is asked of ca-custodian.
ADMIN_SRCS := $(wildcard firmware/admin/*.c)
ADMIN_BIN  := $(BIN)/caadm

$(ADMIN_BIN): $(call objs,$(ADMIN_SRCS)) $(X509_LIB) $(ASN1_LIB) $(LEDGER_LIB) \
		$(OPERATOR_LIB) $(IDENTITY_LIB) $(PLATFORM_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(call objs,$(ADMIN_SRCS)) -Wl,--start-group $(X509_LIB) \
		$(ASN1_LIB) $(LEDGER_LIB) $(OPERATOR_LIB) $(IDENTITY_LIB) $(PLATFORM_LIB) -Wl,--end-group \
		-lwolfssl -ltasn1 -lpthread

ALL_BINS += $(ADMIN_BIN)
