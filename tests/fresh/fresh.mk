# make check-fresh: the two commands in a minimal Debian 12 root with the checkout
# in /root (tests/fresh/README.md). Not part of make check: it repeats all of it.
.PHONY: check-fresh
check-fresh: $(DEPS_STAMP)
	tests/fresh/check-fresh.sh $(FRESH_DIR)
FRESH_DIR ?= /var/tmp/ca-check-fresh
