# firmware/auth/: ca-auth, the credential process (NTLM accept with gss-ntlmssp
# through MIT GSSAPI against the account file), and libauth (the acceptor, the
# token checks, the worker channel's service, the start-up, the jail and the
# filter: everything but main.c), which the fuzz target links too.
# It uses firmware/rpc's NTLM message decoder (ntlm_msg.c). msg.c is linked by
# ca-worker too (AUTH_MSG_OBJ).
AUTH_MAIN_SRCS := firmware/auth/main.c
AUTH_SRCS := $(filter-out $(AUTH_MAIN_SRCS),$(wildcard firmware/auth/*.c))
AUTH_LIB  := $(LIB)/libauth.a
AUTH_BIN  := $(BIN)/ca-auth
# The logon channel's encode/decode pairs (msg.c), linked by both ends.
AUTH_MSG_OBJ := $(OBJ)/firmware/auth/msg.o

$(AUTH_LIB): $(call objs,$(AUTH_SRCS))
	$(archive)

$(AUTH_BIN): $(call objs,$(AUTH_MAIN_SRCS)) $(AUTH_LIB) $(IDENTITY_LIB) $(RPC_LIB) $(PLATFORM_LIB)
$(AUTH_BIN): SYSLIBS := $(LIB_GSSAPI) $(LIB_WOLFSSL) $(LIB_SECCOMP) $(LIB_PTHREAD)
$(AUTH_BIN):
	$(link)

ALL_BINS += $(AUTH_BIN)

# spnego.c's ASN.1 module (SPNEGO and the Kerberos AP-REQ), compiled by asn1Parser
# as firmware/asn1/asn1.mk compiles pkix.asn; its table goes into libauth.
SPNEGO_TAB := $(GEN)/spnego_asn1_tab.c

$(SPNEGO_TAB): firmware/auth/spnego.asn
	@mkdir -p $(dir $@)
	asn1Parser -o $@ -n spnego_asn1_tab $<

$(AUTH_LIB): $(OBJ)/gen/spnego_asn1_tab.o
$(AUTH_BIN): SYSLIBS += $(LIB_TASN1)
