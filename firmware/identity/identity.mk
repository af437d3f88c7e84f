# firmware/identity/: identity tokens (ca-auth mints, the custodian verifies).
# Depends on platform/ (the IPC codec) and wolfSSL (HMAC-SHA256).
IDENTITY_SRCS := $(wildcard firmware/identity/*.c)
IDENTITY_LIB  := $(LIB)/libidentity.a

$(IDENTITY_LIB): $(call objs,$(IDENTITY_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
