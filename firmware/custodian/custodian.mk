# firmware/custodian/: ca-custodian, the only program that links the PKCS#11 layer.
# libcustodian holds everything but main.c, so that unit tests reach the policy,
# the profiles and the lint.
CUSTODIAN_MAIN_SRCS := firmware/custodian/main.c
CUSTODIAN_SRCS := $(filter-out $(CUSTODIAN_MAIN_SRCS),$(wildcard firmware/custodian/*.c))
CUSTODIAN_LIB  := $(LIB)/libcustodian.a
CUSTODIAN_BIN  := $(BIN)/ca-custodian
# The enrollment channel's encode/decode pairs (msg.c), linked by both ends.
CUST_MSG_OBJ   := $(OBJ)/firmware/custodian/msg.o

$(CUSTODIAN_LIB): $(call objs,$(CUSTODIAN_SRCS))
	$(archive)

$(CUSTODIAN_BIN): $(call objs,$(CUSTODIAN_MAIN_SRCS)) $(CUSTODIAN_LIB) $(LEDGER_LIB) \
		$(IDENTITY_LIB) $(ICPR_LIB) $(POLICY_LIB) $(X509_LIB) $(OPERATOR_LIB) $(HSM_LIB) \
		$(ASN1_LIB) \
		$(PLATFORM_LIB)
$(CUSTODIAN_BIN): SYSLIBS := $(LIB_P11KIT) $(LIB_WOLFSSL) $(LIB_TASN1) $(LIB_SECCOMP) $(LIB_PTHREAD)
$(CUSTODIAN_BIN):
	$(link)

ALL_BINS += $(CUSTODIAN_BIN)
