# platform/: logging, secrets, IPC framing (lowest layer: depends on libc only).
PLATFORM_SRCS := $(wildcard platform/*.c)
PLATFORM_LIB  := $(LIB)/libplatform.a

$(PLATFORM_LIB): $(call objs,$(PLATFORM_SRCS))
	$(archive)
