# tests/unit/: cmocka tests, one binary per tests/unit/test_*.c, linked with every
# project library (static archives: only what a test uses is pulled in) and the
# shared test support in tests/unit/support/.
PROJECT_LIBS := $(AUTH_LIB) $(WORKER_LIB) $(RPC_LIB) $(ICPR_LIB) $(LEDGER_LIB) $(OPERATOR_LIB) \
                $(IDENTITY_LIB) $(X509_LIB) $(HSM_LIB) $(ASN1_LIB) $(PLATFORM_LIB)
SYS_LIBS     := -lp11-kit -lwolfssl -ltasn1 -ldb-5.3 -lseccomp -lpthread
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_TESTS   := $(patsubst tests/unit/%.c,$(TBIN)/%,$(UNIT_SRCS))
TSUPPORT_OBJS := $(call objs,$(wildcard tests/unit/support/*.c))

# A test of a daemon's pure code names its objects as extra prerequisites below;
# they are linked before the libraries.
$(TBIN)/test_%: $(OBJ)/tests/unit/test_%.o $(TSUPPORT_OBJS) $(PROJECT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(filter-out $< $(TSUPPORT_OBJS) $(PROJECT_LIBS),$^) \
		$(TSUPPORT_OBJS) -Wl,--start-group $(PROJECT_LIBS) -Wl,--end-group $(SYS_LIBS) -lcmocka

# A daemon's own objects a test links besides the libraries (prerequisites: the
# recipe links every extra one).
$(TBIN)/test_custodian_sandbox: $(OBJ)/firmware/custodian/sandbox.o
# The custodian's lint (and whatever else of libcustodian a test reaches).
$(TBIN)/test_custodian_lint: $(CUSTODIAN_LIB)
# cad's restart policy.
$(TBIN)/test_supervisor_pace: $(CAD_LIB)
# The custodian's derivation of a request and its verifier threads (no HSM, no ledger).
$(TBIN)/test_custodian_derive: $(OBJ)/firmware/custodian/derive.o \
	$(OBJ)/firmware/custodian/verify_pool.o
# The console channel's catalogue (both ends link it).
$(TBIN)/test_admin_msg: $(OBJ)/firmware/custodian/admin_msg.o
