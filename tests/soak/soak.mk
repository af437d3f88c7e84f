# make soak: the long campaigns (tests/soak/README.md). Not part of make check.
.PHONY: soak
soak: $(DEPS_STAMP) $(ALL_BINS)
	CA_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/soak/kills.py --build $(abspath $(BUILD))
