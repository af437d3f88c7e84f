# tests/coverage/: `make coverage`, line and branch coverage per folder for the unit
# and integration suites together (tests/coverage/README.md). Not part of make check:
# it builds everything again under build/cov/ and runs every suite (~25 min here).
.PHONY: coverage
coverage: $(DEPS_STAMP)
	tests/coverage/run.sh build/cov
