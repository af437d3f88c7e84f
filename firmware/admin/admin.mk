# firmware/admin/: caadm, the operator's console tool. It never links the PKCS#11
# layer: HSM work is asked of ca-custodian.
ADMIN_SRCS := $(wildcard firmware/admin/*.c)
ADMIN_BIN  := $(BIN)/caadm
# The console channel's encode/decode pairs (the custodian's admin_msg.c), linked
# by both ends.
ADM_MSG_OBJ := $(OBJ)/firmware/custodian/admin_msg.o

# The NT hash of `caadm account` comes from libidentity, not the network-facing librpc.
$(ADMIN_BIN): $(call objs,$(ADMIN_SRCS)) $(ADM_MSG_OBJ) $(X509_LIB) $(ASN1_LIB) $(LEDGER_LIB) \
		$(OPERATOR_LIB) $(IDENTITY_LIB) $(PLATFORM_LIB)
$(ADMIN_BIN): SYSLIBS := $(LIB_WOLFSSL) $(LIB_TASN1) $(LIB_PTHREAD)
$(ADMIN_BIN):
	$(link)

ALL_BINS += $(ADMIN_BIN)
