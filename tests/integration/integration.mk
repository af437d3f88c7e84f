# tests/integration/: helper programs the pytest suites run, built into $(TBIN).
# The top Makefile includes this fragment and makes check-integration depend on
# $(INTEGRATION_TOOLS).
#
#   ledger_tamper   alters a stopped ledger's Berkeley DB files (flip a byte of a
#                   journal record, drop or swap records, delete an index key) for
#                   test_ledger_tamper.py; it links libdb only, none of the ledger's code.
$(TBIN)/ledger_tamper: $(OBJ)/tests/integration/ledger_tamper.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< -ldb-5.3

INTEGRATION_TOOLS += $(TBIN)/ledger_tamper

#   ledger_fill     adds N revoked placeholder certificates to a stopped ledger through
#                   the store's own rules (the CRL scale test and the CRL benchmark).
$(TBIN)/ledger_fill: $(OBJ)/tests/integration/ledger_fill.o $(LEDGER_LIB) $(PLATFORM_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(LEDGER_LIB) $(PLATFORM_LIB) -Wl,--end-group \
		$(LIBS_DB) -lwolfssl -lpthread

INTEGRATION_TOOLS += $(TBIN)/ledger_fill
