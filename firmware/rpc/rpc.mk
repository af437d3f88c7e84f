# firmware/rpc/: librpc, the network-facing DCE/RPC connection-oriented protocol as a
# pure library (PDU codec, NDR 2.0, the per-connection state machine, the endpoint
# mapper's ept_map, the CertServerRequest stub). No I/O: the worker drives it.
RPC_SRCS := $(wildcard firmware/rpc/*.c)
RPC_LIB  := $(LIB)/librpc.a

$(RPC_LIB): $(call objs,$(RPC_SRCS))
	$(archive)
