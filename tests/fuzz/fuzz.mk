# tests/fuzz/: libFuzzer targets, one binary per tests/fuzz/fuzz_*.c.
#
#   make fuzz          build every target under build/fuzz/bin/
#   make fuzz-smoke    run each for FUZZ_TIME seconds over tests/fuzz/corpus/<target>/;
#                      fails if any target crashes, leaks, times out or runs out of memory
#   build/fuzz/bin/fuzz_x509_cert -max_total_time=600 build/fuzz/work/fuzz_x509_cert \
#                      tests/fuzz/corpus/fuzz_x509_cert      (a longer run by hand)
#
# Included by the top Makefile after the other fragments. The targets are built with
# clang and -fsanitize=fuzzer,address,undefined into their own tree ($(FUZZ_DIR)), from
# the project's sources (PLATFORM_SRCS, ASN1_SRCS + ASN1_TAB, X509_SRCS, ICPR_SRCS): the
# gcc-built archives in $(LIB) carry no coverage instrumentation. The archive names
# mirror PLATFORM_LIB, ASN1_LIB, X509_LIB and ICPR_LIB. Each target links its project
# libraries in dependency order (FUZZ_LIBS_<target>, dependents first; no link group:
# the libraries have no cycles).

FUZZ_CC     ?= clang
FUZZ_DIR    := build/fuzz
FUZZ_OBJ    := $(FUZZ_DIR)/obj
FUZZ_BIN    := $(FUZZ_DIR)/bin
FUZZ_TIME   ?= 10
FUZZ_RSS_MB ?= 1024
FUZZ_FLAGS  ?= -max_total_time=$(FUZZ_TIME) -rss_limit_mb=$(FUZZ_RSS_MB) -timeout=20 \
               -max_len=8192 -print_final_stats=1

# clang 14 does not know every gcc warning the project disables, and warns where gcc
# does not: project code is compiled without -Werror here (gcc's build enforces it),
# the fuzz harnesses with it.
FUZZ_WARN   := $(filter-out -Werror -Wno-format-truncation,$(WARN)) \
               -Wno-unknown-warning-option
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer
# Project code: coverage instrumentation without libFuzzer's main().
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
               $(FUZZ_WARN) -I. -I$(BUILD) -I$(GEN) -I/usr/include/p11-kit-1 -MMD -MP
FUZZ_LDFLAGS := -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_SYSLIBS := $(LIB_WOLFSSL) $(LIB_TASN1) $(LIB_P11KIT) $(LIB_DB) $(LIB_PTHREAD)

fuzz_objs = $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(1))
fuzz_lib  = $(patsubst $(LIB)/%,$(FUZZ_DIR)/lib/%,$(1))

FUZZ_PLATFORM_LIB := $(call fuzz_lib,$(PLATFORM_LIB))
FUZZ_ASN1_LIB     := $(call fuzz_lib,$(ASN1_LIB))
FUZZ_X509_LIB     := $(call fuzz_lib,$(X509_LIB))
FUZZ_LEDGER_LIB   := $(call fuzz_lib,$(LEDGER_LIB))
FUZZ_RPC_LIB      := $(call fuzz_lib,$(RPC_LIB))
FUZZ_ICPR_LIB     := $(call fuzz_lib,$(ICPR_LIB))
FUZZ_IDENTITY_LIB := $(call fuzz_lib,$(IDENTITY_LIB))
FUZZ_AUTH_LIB     := $(call fuzz_lib,$(AUTH_LIB))

$(FUZZ_OBJ)/%.o: %.c | $(CONFIG_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_OBJ)/tests/fuzz/%.o: tests/fuzz/%.c | $(CONFIG_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -c $< -o $@

# The generated PKIX table, as the top Makefile compiles it.
$(FUZZ_OBJ)/gen/pkix_asn1_tab.o: $(ASN1_TAB) | $(CONFIG_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-missing-prototypes -c $< -o $@

$(call fuzz_objs,$(ASN1_SRCS) $(X509_SRCS) $(ICPR_SRCS)): $(ASN1_TAB)

$(FUZZ_PLATFORM_LIB): $(call fuzz_objs,$(PLATFORM_SRCS))
$(FUZZ_ASN1_LIB): $(call fuzz_objs,$(ASN1_SRCS)) $(FUZZ_OBJ)/gen/pkix_asn1_tab.o
$(FUZZ_X509_LIB): $(call fuzz_objs,$(X509_SRCS))
$(FUZZ_LEDGER_LIB): $(call fuzz_objs,$(LEDGER_SRCS))
# firmware/rpc (DCE/RPC PDUs, NDR, rpc_conn, ept_map, the CertServerRequest stub)
$(FUZZ_RPC_LIB): $(call fuzz_objs,$(RPC_SRCS))
$(FUZZ_ICPR_LIB): $(call fuzz_objs,$(ICPR_SRCS))
$(FUZZ_IDENTITY_LIB): $(call fuzz_objs,$(IDENTITY_SRCS))
# firmware/auth's libauth (the worker channel, the token checks, the acceptor)
$(FUZZ_AUTH_LIB): $(call fuzz_objs,$(AUTH_SRCS))
$(FUZZ_PLATFORM_LIB) $(FUZZ_ASN1_LIB) $(FUZZ_X509_LIB) $(FUZZ_LEDGER_LIB) $(FUZZ_ICPR_LIB) \
		$(FUZZ_RPC_LIB) $(FUZZ_IDENTITY_LIB) $(FUZZ_AUTH_LIB):
	$(archive)

# Targets and the project libraries each links (dependents first).
FUZZ_LIBS_fuzz_ipc_frame := $(FUZZ_PLATFORM_LIB)
FUZZ_X509_DEPS := $(FUZZ_X509_LIB) $(FUZZ_ASN1_LIB) $(FUZZ_PLATFORM_LIB)
FUZZ_LIBS_fuzz_x509_cert := $(FUZZ_X509_DEPS)
FUZZ_LIBS_fuzz_x509_name := $(FUZZ_X509_DEPS)
FUZZ_LIBS_fuzz_x509_csr  := $(FUZZ_X509_DEPS)
FUZZ_LIBS_fuzz_x509_crl  := $(FUZZ_X509_DEPS)
# CMS and CMC requests and a PKCS#10's Microsoft attributes (firmware/x509/cms.c,
# csrattrs.c: what the custodian reads from a requester)
FUZZ_LIBS_fuzz_x509_cms  := $(FUZZ_X509_DEPS)
# the strings of names as characters and name matching (firmware/x509/nametext.c)
FUZZ_LIBS_fuzz_x509_nametext := $(FUZZ_X509_DEPS)
# the ledger checkpoints read back from the token's anchors and from files
FUZZ_LIBS_fuzz_checkpoint := $(FUZZ_X509_DEPS)
FUZZ_LIBS_fuzz_ledger_record := $(FUZZ_LEDGER_LIB) $(FUZZ_PLATFORM_LIB)
FUZZ_LIBS_fuzz_rpc := $(FUZZ_RPC_LIB) $(FUZZ_PLATFORM_LIB)
# NTLM tokens (firmware/rpc/ntlm_msg.c) and the sealing layer's unwrap
FUZZ_LIBS_fuzz_ntlm := $(FUZZ_RPC_LIB) $(FUZZ_PLATFORM_LIB)
FUZZ_LIBS_fuzz_icpr := $(FUZZ_ICPR_LIB) $(FUZZ_X509_DEPS)
# ca-auth's worker channel with gss-ntlmssp behind it (tests/fuzz/fuzz_auth.c)
FUZZ_LIBS_fuzz_auth := $(FUZZ_AUTH_LIB) $(FUZZ_IDENTITY_LIB) $(FUZZ_RPC_LIB) $(FUZZ_PLATFORM_LIB)
FUZZ_SYSLIBS_fuzz_auth := $(LIB_GSSAPI)
# the custodian's derivation of a raw request (custodian from worker: what SUBMIT carries)
# (with guard.o: the names a request may carry, which derive checks)
$(FUZZ_OBJ)/firmware/custodian/derive.o $(FUZZ_OBJ)/firmware/custodian/guard.o: $(ASN1_TAB)
FUZZ_LIBS_fuzz_custodian_derive := $(FUZZ_OBJ)/firmware/custodian/derive.o \
	$(FUZZ_OBJ)/firmware/custodian/guard.o $(FUZZ_ICPR_LIB) $(FUZZ_X509_DEPS)
# careq's decoder of CertServerRequest responses (what a hostile server sends)
FUZZ_CLIENT_LIB := $(FUZZ_DIR)/lib/libclient.a
# (libclient's objects without the verbs and the NTLM initiator, which need GSSAPI;
# CLIENT_SRCS leaves careq's main.c out already)
$(FUZZ_CLIENT_LIB): $(call fuzz_objs,$(filter-out firmware/client/careq.c \
		firmware/client/ntlm_init.c,$(CLIENT_SRCS)))
	$(archive)
$(call fuzz_objs,$(CLIENT_SRCS)): $(ASN1_TAB)
FUZZ_LIBS_fuzz_careq := $(FUZZ_CLIENT_LIB) $(FUZZ_RPC_LIB) $(FUZZ_ICPR_LIB) $(FUZZ_X509_DEPS)
# careq's reader of the PKCS#7 in pctbCert (-crls: cmsreq.c, libtasn1 strict DER)
FUZZ_LIBS_fuzz_careq_crls := $(FUZZ_CLIENT_LIB) $(FUZZ_ICPR_LIB) $(FUZZ_X509_DEPS)

# ca-ledger's whitelist and handlers on a real ledger (what the custodian sends)
FUZZ_LIBS_fuzz_ledger_serve := $(FUZZ_LEDGER_LIB) $(FUZZ_PLATFORM_LIB)
# the enrollment channel's decoders, both ends (firmware/custodian/msg.c)
$(FUZZ_BIN)/fuzz_cust_msg: $(FUZZ_OBJ)/firmware/custodian/msg.o
FUZZ_LIBS_fuzz_cust_msg := $(FUZZ_OBJ)/firmware/custodian/msg.o $(FUZZ_PLATFORM_LIB)
# the journal channel's decoders, both ends (firmware/ledger/msg.c)
FUZZ_LIBS_fuzz_ledger_msg := $(FUZZ_LEDGER_LIB) $(FUZZ_PLATFORM_LIB)
# the custodian from the console: its whitelist and request decoders, caadm's
# answer decoders (firmware/custodian/admin_msg.c)
$(FUZZ_BIN)/fuzz_console: $(FUZZ_OBJ)/firmware/custodian/admin_msg.o
FUZZ_LIBS_fuzz_console := $(FUZZ_OBJ)/firmware/custodian/admin_msg.o $(FUZZ_LEDGER_LIB) \
	$(FUZZ_PLATFORM_LIB)
# identity tokens as the custodian verifies them (what a worker may pass on)
FUZZ_LIBS_fuzz_idtoken := $(FUZZ_IDENTITY_LIB) $(FUZZ_PLATFORM_LIB)
# the account attributes file (firmware/identity/attrs.c: caadm and ca-auth read it)
FUZZ_LIBS_fuzz_identity_attrs := $(FUZZ_IDENTITY_LIB) $(FUZZ_PLATFORM_LIB)
# the one UTF-8 decoder (platform/utf8.c) every text from a peer goes through
FUZZ_LIBS_fuzz_utf8 := $(FUZZ_PLATFORM_LIB)
# certificate templates' text form (firmware/policy/template.c: what caadm reads)
FUZZ_POLICY_LIB := $(FUZZ_DIR)/lib/libpolicy.a
$(FUZZ_POLICY_LIB): $(call fuzz_objs,$(POLICY_SRCS))
	$(archive)
FUZZ_LIBS_fuzz_policy_template := $(FUZZ_POLICY_LIB) $(FUZZ_X509_DEPS)
# a request's certificate-template extensions (firmware/policy/build.c: what the
# custodian reads from a requester) and the policy algorithm on what they name
$(call fuzz_objs,$(POLICY_SRCS)): $(ASN1_TAB)
FUZZ_LIBS_fuzz_policy_ext := $(FUZZ_POLICY_LIB) $(FUZZ_X509_DEPS)

FUZZ_NAMES := fuzz_ipc_frame fuzz_ledger_record fuzz_ledger_serve fuzz_rpc fuzz_careq fuzz_ntlm \
              fuzz_idtoken fuzz_auth fuzz_cust_msg fuzz_ledger_msg fuzz_console fuzz_utf8 \
              fuzz_x509_cert fuzz_x509_name fuzz_x509_csr fuzz_x509_crl fuzz_icpr \
              fuzz_custodian_derive fuzz_x509_nametext fuzz_checkpoint
FUZZ_NAMES += fuzz_policy_template
FUZZ_NAMES += fuzz_policy_ext
FUZZ_NAMES += fuzz_identity_attrs
# the template store's set verb: assignments over a template's canonical text
# (firmware/custodian/tmplstore.c; its journaling, record.c, is linked, not run)
FUZZ_TMPLSTORE_OBJS := $(call fuzz_objs,firmware/custodian/tmplstore.c \
	firmware/custodian/record.c firmware/custodian/record_admin.c)
FUZZ_LIBS_fuzz_tmplstore_set := $(FUZZ_TMPLSTORE_OBJS) $(FUZZ_LEDGER_LIB) $(FUZZ_POLICY_LIB) \
	$(FUZZ_X509_DEPS)
FUZZ_NAMES += fuzz_tmplstore_set
FUZZ_NAMES += fuzz_x509_cms
FUZZ_NAMES += fuzz_careq_crls
# the OXID resolver's and the remote unknown's request decoders (firmware/rpc/dcom_oxid.c,
# dcom_remunk.c: what a DCOM client sends), re-encoded
FUZZ_LIBS_fuzz_dcom_oxid := $(FUZZ_RPC_LIB) $(FUZZ_PLATFORM_LIB)
FUZZ_NAMES += fuzz_dcom_oxid
# DCOM's request decoders: ORPCTHIS, MInterfacePointer, the activator's
# RemoteCreateInstance / RemoteGetClassObject (firmware/rpc/dcom*.c)
FUZZ_LIBS_fuzz_dcom := $(FUZZ_RPC_LIB) $(FUZZ_PLATFORM_LIB)
FUZZ_NAMES += fuzz_dcom
# MS-WCCE's ICertRequestD/D2 request stubs (firmware/rpc/wcce_stub.c) and the CA
# properties' wire forms (firmware/icpr/caprop.c)
FUZZ_LIBS_fuzz_wcce := $(FUZZ_RPC_LIB) $(FUZZ_ICPR_LIB) $(FUZZ_X509_DEPS)
FUZZ_NAMES += fuzz_wcce
# careq -dcom's decoders of a hostile server's answers: activation
# (dcom_act_decode_out), Request2 and GetCAProperty (wcce_*_decode_out)
FUZZ_LIBS_fuzz_careq_dcom := $(FUZZ_RPC_LIB) $(FUZZ_PLATFORM_LIB)
FUZZ_NAMES += fuzz_careq_dcom
# ca-auth's SPNEGO and Kerberos decoders and the replay cache (firmware/auth/spnego.c,
# replay.c); libauth carries spnego.asn's table, compiled here as pkix's is above
$(FUZZ_OBJ)/gen/spnego_asn1_tab.o: $(SPNEGO_TAB) | $(CONFIG_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-missing-prototypes -c $< -o $@
$(FUZZ_AUTH_LIB): $(FUZZ_OBJ)/gen/spnego_asn1_tab.o
FUZZ_LIBS_fuzz_spnego := $(FUZZ_AUTH_LIB) $(FUZZ_PLATFORM_LIB)
FUZZ_NAMES += fuzz_spnego
# ca-auth's decoder of the Microsoft PAC MIT GSSAPI hands over (firmware/auth/pac.c)
FUZZ_LIBS_fuzz_pac := $(FUZZ_OBJ)/firmware/auth/pac.o $(FUZZ_RPC_LIB) $(FUZZ_PLATFORM_LIB)
FUZZ_NAMES += fuzz_pac
# the Kerberos sealing layer's unwrap (firmware/rpc/krb5_seal.c: RFC 4121 wrap and
# MIC tokens, AES) on request PDUs with a fixed key
FUZZ_LIBS_fuzz_krb5_seal := $(FUZZ_RPC_LIB) $(FUZZ_PLATFORM_LIB)
FUZZ_NAMES += fuzz_krb5_seal
FUZZ_BINS := $(addprefix $(FUZZ_BIN)/,$(FUZZ_NAMES))

# Each binary's libraries as extra prerequisites; the pattern rule links.
$(foreach t,$(FUZZ_NAMES),$(eval $(FUZZ_BIN)/$(t): $(FUZZ_LIBS_$(t))))

$(FUZZ_BIN)/fuzz_%: $(FUZZ_OBJ)/tests/fuzz/fuzz_%.o
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $< $(FUZZ_LIBS_$(notdir $@)) \
		$(FUZZ_SYSLIBS_$(notdir $@)) $(FUZZ_SYSLIBS)

.PHONY: fuzz fuzz-smoke
fuzz: $(FUZZ_BINS)

# Each target runs over a scratch copy of its corpus (libFuzzer writes new inputs
# into the first directory: the seeds in git stay as they are); crash reproducers
# land in $(FUZZ_DIR)/artifacts/<target>/. Every target runs even if one fails.
fuzz-smoke: $(FUZZ_BINS)
	@fail=""; for t in $(FUZZ_NAMES); do \
		work=$(FUZZ_DIR)/work/$$t; art=$(FUZZ_DIR)/artifacts/$$t; \
		mkdir -p $$work $$art tests/fuzz/corpus/$$t; \
		echo "== $$t ($(FUZZ_TIME)s)"; \
		if $(FUZZ_BIN)/$$t $(FUZZ_FLAGS) -artifact_prefix=$$art/ $$work \
			tests/fuzz/corpus/$$t > $(FUZZ_DIR)/$$t.log 2>&1; then \
			grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added):' \
				$(FUZZ_DIR)/$$t.log | sed 's/^/   /'; \
		else \
			echo "   FAILED: see $(FUZZ_DIR)/$$t.log, reproducer in $$art/"; \
			grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' \
				$(FUZZ_DIR)/$$t.log | head -5 | sed 's/^/   /'; \
			fail="$$fail $$t"; \
		fi; \
	done; \
	if [ -n "$$fail" ]; then echo "fuzz-smoke: failed:$$fail"; exit 1; fi; \
	echo "fuzz-smoke: all $(words $(FUZZ_NAMES)) targets ran clean"

-include $(shell find $(FUZZ_DIR) -name '*.d' 2>/dev/null)
