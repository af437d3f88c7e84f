# firmware/operator/: the operator database (names, roles, passphrase hashes).
OPERATOR_SRCS := $(wildcard firmware/operator/*.c)
OPERATOR_LIB  := $(LIB)/liboperator.a

$(OPERATOR_LIB): $(call objs,$(OPERATOR_SRCS))
	$(archive)
