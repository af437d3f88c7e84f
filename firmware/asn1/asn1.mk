# firmware/asn1/: the PKIX ASN.1 module compiled by asn1Parser, helpers over libtasn1.
ASN1_SRCS := $(wildcard firmware/asn1/*.c)
ASN1_LIB  := $(LIB)/libasn1.a
ASN1_TAB  := $(GEN)/pkix_asn1_tab.c

$(ASN1_TAB): firmware/asn1/pkix.asn
	@mkdir -p $(dir $@)
	asn1Parser -o $@ -n pkix_asn1_tab $<

$(call objs,$(ASN1_SRCS)): $(ASN1_TAB)

$(ASN1_LIB): $(call objs,$(ASN1_SRCS)) $(OBJ)/gen/pkix_asn1_tab.o
	$(archive)
