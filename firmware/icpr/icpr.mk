# firmware/icpr/: MS-ICPR CertServerRequest semantics without the network framing
# (UTF-16, authority, attributes, SAN, format detection, certs-only PKCS#7,
# dispositions, the shared limit check): libicpr, linked by the worker, the custodian,
# the unit tests and the fuzz targets.
ICPR_SRCS := $(wildcard firmware/icpr/*.c)
ICPR_LIB  := $(LIB)/libicpr.a

$(call objs,$(ICPR_SRCS)): $(ASN1_TAB)

$(ICPR_LIB): $(call objs,$(ICPR_SRCS))
	$(archive)
