# tests/unit/: cmocka tests, one binary per tests/unit/test_*.c, linked with every
# project library (static archives: only what a test uses is pulled in) and the
# shared test support in tests/unit/support/.
PROJECT_LIBS := $(ADMIN_LIB) $(CUSTODIAN_LIB) $(CAD_LIB) $(AUTH_LIB) $(WORKER_LIB) $(CLIENT_LIB) $(RPC_LIB) $(ICPR_LIB) $(LEDGER_LIB) $(OPERATOR_LIB) \
                $(IDENTITY_LIB) $(POLICY_LIB) $(X509_LIB) $(HSM_LIB) $(ASN1_LIB) $(PLATFORM_LIB)
# firmware/policy (templates, the policy algorithm) is used by the custodian and
# depends on x509, asn1 and platform: it goes between them.
SYS_LIBS     := $(LIB_P11KIT) $(LIB_WOLFSSL) $(LIB_TASN1) $(LIB_DB) $(LIB_SECCOMP) $(LIB_PTHREAD)
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_TESTS   := $(patsubst tests/unit/%.c,$(TBIN)/%,$(UNIT_SRCS))
TSUPPORT_OBJS := $(call objs,$(filter-out tests/unit/support/worker_link.c,$(wildcard tests/unit/support/*.c)))
# support/worker_link.c drives libworker's connection loop, whose NTLM provider
# needs the logon channel's catalogue ($(AUTH_MSG_OBJ)): only the worker's tests
# link it (below).
WORKER_LINK_OBJ := $(call objs,tests/unit/support/worker_link.c)

# A test of a daemon's pure code names its objects as extra prerequisites below;
# the link recipe puts every object before the libraries.
$(TBIN)/test_%: SYSLIBS = $(SYS_LIBS) -lcmocka
$(TBIN)/test_%: $(OBJ)/tests/unit/test_%.o $(TSUPPORT_OBJS) $(PROJECT_LIBS)
	$(link)

# A daemon's own objects a test links besides the libraries (prerequisites: the
# recipe links every extra one).
$(TBIN)/test_custodian_sandbox: $(OBJ)/firmware/custodian/sandbox.o
# The custodian's derivation of a request and its verifier threads (no HSM, no ledger).
$(TBIN)/test_custodian_derive: $(OBJ)/firmware/custodian/derive.o \
	$(OBJ)/firmware/custodian/verify_pool.o
# The console channel's catalogue (both ends link it).
$(TBIN)/test_admin_msg: $(OBJ)/firmware/custodian/admin_msg.o
# careq's command line and report (libclient): careq_main pulls in the NTLM
# initiator, hence gss-ntlmssp's GSSAPI.
$(TBIN)/test_client_cli: SYSLIBS = $(SYS_LIBS) $(LIB_GSSAPI) -lcmocka
# careq's CMS requests (libclient's cmsreq.c, keygen.c): the same libraries.
$(TBIN)/test_client_cms: SYSLIBS = $(SYS_LIBS) $(LIB_GSSAPI) -lcmocka
# ca-auth's worker channel with gss-ntlmssp behind it (through MIT GSSAPI) and
# gss-ntlmssp's initiator as the client.
$(TBIN)/test_auth_serve: SYSLIBS = $(SYS_LIBS) $(LIB_GSSAPI) -lcmocka
# The worker's calls against the in-process core: libworker's NTLM provider
# speaks the logon channel's catalogue, which ca-auth and ca-worker link as an
# object (not in a library).
$(TBIN)/test_worker_calls: $(AUTH_MSG_OBJ) $(WORKER_LINK_OBJ)
# The worker's NTLM logons against ca-auth's auth_serve in-process (gss-ntlmssp's
# acceptor, careq's initiator): libauth, the logon channel's catalogue, GSSAPI.
$(TBIN)/test_worker_ntlm: $(AUTH_MSG_OBJ) $(WORKER_LINK_OBJ)
$(TBIN)/test_worker_ntlm: SYSLIBS = $(SYS_LIBS) $(LIB_GSSAPI) -lcmocka
# The worker's account look-ups for an agent's CMS/CMC request (issue 16): ca-auth
# in process (GSSAPI), the custodian played by the test.
$(TBIN)/test_worker_subject: $(AUTH_MSG_OBJ) $(WORKER_LINK_OBJ)
$(TBIN)/test_worker_subject: SYSLIBS = $(SYS_LIBS) $(LIB_GSSAPI) -lcmocka
# ca-worker's process logic (start.c, sandbox.c): libworker's connection loop
# speaks the logon channel's catalogue.
$(TBIN)/test_worker_start: $(AUTH_MSG_OBJ)
# The worker's DCOM dispatch (dcom.c) against the in-process core, NTLM logons
# with ca-auth in process as test_worker_ntlm does.
$(TBIN)/test_worker_dcom: $(AUTH_MSG_OBJ) $(WORKER_LINK_OBJ)
$(TBIN)/test_worker_dcom: SYSLIBS = $(SYS_LIBS) $(LIB_GSSAPI) -lcmocka

# ca-auth's start-up (start.c): auth_start in a forked child loads gss-ntlmssp's
# acceptor (GSSAPI) before it jails and filters itself.
$(TBIN)/test_auth_start: SYSLIBS = $(SYS_LIBS) $(LIB_GSSAPI) -lcmocka
# ca-auth's SPNEGO / Kerberos codecs and replay cache (spnego.c, replay.c): libauth
# with spnego.asn's table, libtasn1 and wolfCrypt (in SYS_LIBS); no GSSAPI.
$(TBIN)/test_auth_spnego: SYSLIBS = $(SYS_LIBS) -lcmocka
# ca-auth's PAC decoder (pac.c): pure code, the default link (libauth's pac.o and
# librpc's NDR reader; no GSSAPI).
$(TBIN)/test_auth_pac: SYSLIBS = $(SYS_LIBS) -lcmocka

# ca-ledger's service with the store's failures injected at its interface (the
# test's __wrap_ledger_* pass through unless told to fail).
$(TBIN)/test_ledger_serve: LDFLAGS += -Wl,--wrap=ledger_get_record,--wrap=ledger_get_request \
	-Wl,--wrap=ledger_get_cert,--wrap=ledger_revoked_page,--wrap=ledger_crl_latest \
	-Wl,--wrap=ledger_extension_seqs,--wrap=ledger_prop_seq,--wrap=ledger_view \
	-Wl,--wrap=ledger_verify,--wrap=ledger_append_group
$(TBIN)/test_ledger_serve: LDFLAGS += -Wl,--wrap=ledger_template_seqs
# ca-ledger's commands' decisions (audit.c) with a record the store cannot read
# or decode injected at its interface.
$(TBIN)/test_ledger_audit: LDFLAGS += -Wl,--wrap=ledger_get_record
# cad's start-up checks when the system refuses (a pipe, a child, its status, a
# chmod, a chown): the test's __wrap_ functions pass through unless armed.
$(TBIN)/test_supervisor_prepare: LDFLAGS += -Wl,--wrap=pipe2,--wrap=fork,--wrap=waitpid \
	-Wl,--wrap=chmod,--wrap=lchown
# What a start is (start.c), with a pipe, a socket, a listen, a chown and
# randomness the system refuses (the wrappers pass through unless armed).
$(TBIN)/test_supervisor_start: LDFLAGS += -Wl,--wrap=pipe2,--wrap=socket,--wrap=listen,--wrap=chown,--wrap=getrandom
# careq -dcom's transport (libclient's rpc_client.c, dcom_call.c): the NTLM
# initiator comes with the library, hence GSSAPI.
$(TBIN)/test_client_dcom: SYSLIBS = $(SYS_LIBS) $(LIB_GSSAPI) -lcmocka
# Kerberos sealing (firmware/rpc/krb5_seal.c): MIT's libkrb5/libk5crypto are the
# oracle of the iov layout and header signing (krb5_c_encrypt_iov /
# krb5_c_decrypt_iov / krb5_c_make_checksum); only this test links them, never
# the worker.
$(TBIN)/test_rpc_krb5_seal: SYSLIBS = $(SYS_LIBS) -lkrb5 -lk5crypto -lcmocka
# caadm's command line, and `account add --no-password` / `passwd` run on files
# (adm_run_account): libadmin's account.o pulls in the rest of caadm, whose
# `kerberos keytab` links MIT libkrb5 (firmware/admin/admin.mk LIB_KRB5).
$(TBIN)/test_admin_cli: SYSLIBS = $(SYS_LIBS) -lkrb5 -lk5crypto -lcom_err -lcmocka
# ca-auth's start-up with Kerberos' environment (issue 18): MIT's libkrb5 reads
# the krb5.conf ca-auth writes (the permitted enctypes, the profile's clockskew)
# as the oracle of that file.
$(TBIN)/test_auth_start: SYSLIBS = $(SYS_LIBS) $(LIB_GSSAPI) -lkrb5 -lcmocka
