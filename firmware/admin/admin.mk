# firmware/admin/: caadm, the operator's console tool. It never links the PKCS#11
# layer: HSM work is asked of ca-custodian.
ADMIN_SRCS := $(wildcard firmware/admin/*.c)
ADMIN_BIN  := $(BIN)/caadm

# The NT hash of `caadm account` comes from libidentity, not the network-facing librpc.
$(ADMIN_BIN): $(call objs,$(ADMIN_SRCS)) $(X509_LIB) $(ASN1_LIB) $(LEDGER_LIB) \
		$(OPERATOR_LIB) $(IDENTITY_LIB) $(PLATFORM_LIB)
$(ADMIN_BIN): SYSLIBS := $(LIB_WOLFSSL) $(LIB_TASN1) $(LIB_PTHREAD)
$(ADMIN_BIN):
	$(link)

ALL_BINS += $(ADMIN_BIN)
