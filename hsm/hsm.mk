# hsm/: the PKCS#11 layer through p11-kit (depends on platform, wolfSSL for DER helpers).
HSM_SRCS := $(wildcard hsm/*.c)
HSM_LIB  := $(LIB)/libhsm.a

$(HSM_LIB): $(call objs,$(HSM_SRCS))
	$(archive)
