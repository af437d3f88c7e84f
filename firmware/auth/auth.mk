# firmware/auth/: ca-auth, the credential process (NTLM accept with gss-ntlmssp
# through MIT GSSAPI against the account file).
AUTH_SRCS := $(wildcard firmware/auth/*.c)
AUTH_BIN  := $(BIN)/ca-auth

$(AUTH_BIN): $(call objs,$(AUTH_SRCS)) $(PLATFORM_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(call objs,$(AUTH_SRCS)) $(PLATFORM_LIB) -lgssapi_krb5 -lseccomp -lpthread

ALL_BINS += $(AUTH_BIN)
