# tests/integration/: helper programs the pytest suites run, built into $(TBIN).
# The top Makefile includes this fragment and makes check-integration depend on
# $(INTEGRATION_TOOLS).
#
#   ledger_tamper   alters a stopped ledger's Berkeley DB files (flip a byte of a
#                   journal record, drop or swap records, delete an index key) for
#                   test_ledger_tamper.py; it links libdb only, none of the ledger's code.
$(TBIN)/ledger_tamper: $(OBJ)/tests/integration/ledger_tamper.o
$(TBIN)/ledger_tamper: SYSLIBS := $(LIB_DB)
$(TBIN)/ledger_tamper:
	$(link)

INTEGRATION_TOOLS += $(TBIN)/ledger_tamper

#   ledger_fill     adds N revoked placeholder certificates to a stopped ledger through
#                   the store's own rules (the CRL scale test and the CRL benchmark).
$(TBIN)/ledger_fill: $(OBJ)/tests/integration/ledger_fill.o $(LEDGER_LIB) $(PLATFORM_LIB)
$(TBIN)/ledger_fill: SYSLIBS := $(LIB_DB) $(LIB_WOLFSSL) $(LIB_PTHREAD)
$(TBIN)/ledger_fill:
	$(link)

INTEGRATION_TOOLS += $(TBIN)/ledger_fill
