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
