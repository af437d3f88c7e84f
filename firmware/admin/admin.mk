# firmware/admin/: caadm, the operator's console tool, and libadmin (everything
# but main.c: the command line's parser, which the unit tests drive, and the
# verbs). It never links the PKCS#11 layer: HSM work is asked of ca-custodian.
ADMIN_MAIN_SRCS := firmware/admin/main.c
ADMIN_SRCS := $(filter-out $(ADMIN_MAIN_SRCS),$(wildcard firmware/admin/*.c))
ADMIN_LIB  := $(LIB)/libadmin.a
ADMIN_BIN  := $(BIN)/caadm
# The console channel's encode/decode pairs (the custodian's admin_msg.c), linked
# by both ends.
ADM_MSG_OBJ := $(OBJ)/firmware/custodian/admin_msg.o

$(ADMIN_LIB): $(call objs,$(ADMIN_SRCS))
	$(archive)

# The NT hash of `caadm account` comes from libidentity, not the network-facing librpc.
# libpolicy: `template show --json` reads the CA's text with the CA's own parser.
$(ADMIN_BIN): $(call objs,$(ADMIN_MAIN_SRCS)) $(ADM_MSG_OBJ) $(ADMIN_LIB) $(POLICY_LIB) $(X509_LIB) $(ASN1_LIB) \
		$(LEDGER_LIB) $(OPERATOR_LIB) $(IDENTITY_LIB) $(PLATFORM_LIB)
# MIT libkrb5: `kerberos keytab` reads and writes keytabs with it (caadm only;
# the network-facing ca-worker never links Kerberos).
LIB_KRB5 := -lkrb5 -lk5crypto -lcom_err
$(ADMIN_BIN): SYSLIBS := $(LIB_WOLFSSL) $(LIB_TASN1) $(LIB_KRB5) $(LIB_PTHREAD)
$(ADMIN_BIN):
	$(link)

ALL_BINS += $(ADMIN_BIN)
