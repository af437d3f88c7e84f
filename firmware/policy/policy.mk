# firmware/policy/: certificate templates (the data, their text form, the rules
# between their fields, the defaults) and the policy algorithm with the parts it
# builds. Pure code; depends on firmware/x509 (OIDs, key sizes, KeyUsage bits,
# the Name writer), firmware/asn1 (libtasn1, pkix.asn), firmware/icpr/hresult.h
# (numbers only) and platform/ (numbers, UTF-8, error messages).
POLICY_SRCS := $(wildcard firmware/policy/*.c)
POLICY_LIB  := $(LIB)/libpolicy.a

$(POLICY_LIB): $(call objs,$(POLICY_SRCS))
	$(archive)
