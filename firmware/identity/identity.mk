# firmware/identity/: identity tokens (ca-auth mints, the custodian verifies) and
# the NT hash (caadm stores it). Depends on platform/ and wolfSSL.
IDENTITY_SRCS := $(wildcard firmware/identity/*.c)
IDENTITY_LIB  := $(LIB)/libidentity.a

$(IDENTITY_LIB): $(call objs,$(IDENTITY_SRCS))
	$(archive)
