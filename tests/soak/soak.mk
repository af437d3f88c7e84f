# make soak: the long campaigns (tests/soak/README.md). Not part of make check.
# Each prints one figure per line; `make soak` runs them all and fails if one did.
#   make soak-kills     SOAK_KILLS (1000) SIGKILLs while clients enroll over NTLM
#   make soak-powercut  POWERCUT_CUTS (50) power cuts of the QEMU image
#   make soak-fuzz      every fuzz target for FUZZ_SOAK_TIME (600) s, corpora grown
#   make soak-mixed     SOAK_REQUESTS (100000) mixed requests from 64 clients
SOAK_KILLS     ?= 1000
POWERCUT_CUTS  ?= 50
FUZZ_SOAK_TIME ?= 600
SOAK_REQUESTS  ?= 100000

.PHONY: soak soak-kills soak-powercut soak-fuzz soak-mixed
soak: $(DEPS_STAMP)
	@fail=""; for t in kills mixed fuzz powercut; do \
		$(MAKE) --no-print-directory soak-$$t || fail="$$fail $$t"; \
	done; \
	if [ -n "$$fail" ]; then echo "soak: failed:$$fail"; exit 1; fi; echo "soak: all passed"

soak-kills: $(DEPS_STAMP) $(ALL_BINS)
	CA_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/soak/kills.py --kills $(SOAK_KILLS) \
	    --build $(abspath $(BUILD))

soak-mixed: $(DEPS_STAMP) $(ALL_BINS)
	CA_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/soak/mixed.py --requests $(SOAK_REQUESTS) \
	    --build $(abspath $(BUILD))

soak-fuzz: $(DEPS_STAMP) $(FUZZ_BINS)
	FUZZ_TIME=$(FUZZ_SOAK_TIME) FUZZ_RSS_MB=$(FUZZ_RSS_MB) tests/soak/fuzz.sh \
	    $(abspath $(FUZZ_BIN)) $(FUZZ_NAMES)

soak-powercut: $(DEPS_STAMP)
	$(MAKE) image
	POWERCUT_CUTS=$(POWERCUT_CUTS) CA_BUILD=$(abspath $(IMAGE_BUILD)) \
	    CA_IMAGE=$(abspath $(IMAGE_DIR)) $(PYTHON) -m pytest -q -s tests/system/test_powercut.py
