# The appliance image (image/README.md): `make image`, `make run` (boot it in QEMU),
# `make run-host` (the appliance on the host, platform/run-demo.sh) and
# `make check-system` (tests/system). Always built from the normal build (build/),
# never the sanitizer one.
IMAGE_BUILD := build
IMAGE_DIR   := build/image
IMAGE_DL    := build/dl
IMAGE_BINS  := $(addprefix $(IMAGE_BUILD)/bin/,cad ca-ledger ca-custodian ca-worker ca-auth caadm careq)
# The image's operator users (name:uid ...; build-image.sh): the demo has one,
# `operator`, a member of ca-operators, to show the console used without root.
IMAGE_OPERATORS ?= operator:1000
IMAGE_SRCS  := image/build-image.sh image/initramfs-init.sh image/inittab image/demo.conf \
               image/image.mk platform/image-init.sh hsm/provision-softhsm.sh

.PHONY: image run-host check-system

$(IMAGE_DIR)/kernel/vmlinuz: image/fetch-kernel.sh
	image/fetch-kernel.sh $(IMAGE_DL) $(IMAGE_DIR)/kernel

$(IMAGE_DIR)/root.squashfs: $(IMAGE_BINS) $(IMAGE_SRCS) $(IMAGE_DIR)/kernel/vmlinuz
	IMAGE_OPERATORS="$(IMAGE_OPERATORS)" image/build-image.sh $(IMAGE_BUILD) $(IMAGE_DIR)

image: $(DEPS_STAMP)
	$(MAKE) SANITIZE=0 BUILD=$(IMAGE_BUILD) $(IMAGE_DIR)/root.squashfs

run-host: $(DEPS_STAMP)
	$(MAKE) all
	platform/run-demo.sh $(abspath $(BUILD)) build/demo
