# firmware/client/: careq, the Linux enrollment client with certreq's verbs (new,
# submit, retrieve, renew; CMS requests: cmsreq.c), and libclient: all of careq but its main.c (the command line,
# the verbs, the report, the DCE/RPC client, keygen), which the unit tests and
# bench_enroll link too. It speaks the client side of DCE/RPC itself (rpc_client.c)
# and reuses librpc's NDR writer, header decoder, tower codec and constants,
# libicpr's UTF-16 and request detection, and libx509's CSR builder and PEM. NTLM:
# gss-ntlmssp as initiator (ntlm_init.c), librpc's ntlm_seal for signing and sealing.
CLIENT_MAIN_SRCS := firmware/client/main.c
CLIENT_SRCS := $(filter-out $(CLIENT_MAIN_SRCS),$(wildcard firmware/client/*.c))
CLIENT_LIB  := $(LIB)/libclient.a
CAREQ_BIN   := $(BIN)/careq

$(CLIENT_LIB): $(call objs,$(CLIENT_SRCS))
	$(archive)

$(CAREQ_BIN): $(call objs,$(CLIENT_MAIN_SRCS)) $(CLIENT_LIB) $(RPC_LIB) $(ICPR_LIB) \
		$(X509_LIB) $(ASN1_LIB) $(PLATFORM_LIB)
$(CAREQ_BIN): SYSLIBS := $(LIB_WOLFSSL) $(LIB_TASN1) $(LIB_GSSAPI) $(LIB_PTHREAD)
$(CAREQ_BIN):
	$(link)

ALL_BINS += $(CAREQ_BIN)
