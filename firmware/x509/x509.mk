# firmware/x509/: names, TBSCertificate/CSR building, certificate decoding (asn1 + wolfSSL).
X509_SRCS := $(wildcard firmware/x509/*.c)
X509_LIB  := $(LIB)/libx509.a

$(call objs,$(X509_SRCS)): $(ASN1_TAB)

$(X509_LIB): $(call objs,$(X509_SRCS))
	$(archive)
