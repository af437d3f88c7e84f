# firmware/policy/: certificate templates (the data, their text form, the rules
# between their fields, the defaults). Pure code; depends on firmware/x509 (OIDs,
# key sizes, KeyUsage bits) and platform/ (numbers, UTF-8, error messages).
POLICY_SRCS := $(wildcard firmware/policy/*.c)
POLICY_LIB  := $(LIB)/libpolicy.a

$(POLICY_LIB): $(call objs,$(POLICY_SRCS))
	$(archive)
