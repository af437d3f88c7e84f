# firmware/client/: careq, the Linux enrollment client with certreq's verbs (new,
# submit, retrieve). It speaks the client side of DCE/RPC itself (rpc_client.c) and
# reuses librpc's NDR writer, header decoder, tower codec and constants, libicpr's
# UTF-16 and request detection, and libx509's CSR builder and PEM. NTLM: gss-ntlmssp
# as initiator (ntlm_init.c), librpc's ntlm_seal for signing and sealing.
CLIENT_SRCS := $(wildcard firmware/client/*.c)
CAREQ_BIN   := $(BIN)/careq

$(CAREQ_BIN): $(call objs,$(CLIENT_SRCS)) $(RPC_LIB) $(ICPR_LIB) $(X509_LIB) $(ASN1_LIB) \
		$(PLATFORM_LIB)
$(CAREQ_BIN): SYSLIBS := $(LIB_WOLFSSL) $(LIB_TASN1) $(LIB_GSSAPI) $(LIB_PTHREAD)
$(CAREQ_BIN):
	$(link)

ALL_BINS += $(CAREQ_BIN)
