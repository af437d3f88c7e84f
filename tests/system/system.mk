# System tests: the QEMU image booted with fresh data disks (tests/system/README.md).
# Part of `make check` once, on the normal build (not again under SANITIZE=1).
check-system: $(DEPS_STAMP)
	$(MAKE) image
	CA_BUILD=$(abspath $(IMAGE_BUILD)) CA_IMAGE=$(abspath $(IMAGE_DIR)) \
	    $(PYTHON) -m pytest -q tests/system
