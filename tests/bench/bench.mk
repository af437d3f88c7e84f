# tests/bench/: benchmarks (`make bench`), not part of `make check`.
# bench_p11.c is not a benchmark: raw C_Sign code shared by bench_sign and bench_enroll;
# nor is bench_krb.c: bench_enroll's Kerberos initiator (MIT GSSAPI, SPNEGO).
BENCH_SRCS := $(filter-out tests/bench/bench_p11.c tests/bench/bench_krb.c,$(wildcard tests/bench/bench_*.c))
BENCH_BINS := $(patsubst tests/bench/%.c,$(TBIN)/%,$(BENCH_SRCS))
BENCH_P11_OBJ := $(OBJ)/tests/bench/bench_p11.o
BENCH_KRB_OBJ := $(OBJ)/tests/bench/bench_krb.o

# bench_ledger needs only the ledger's library (event codec) and platform (IPC);
# it drives ca-ledger, which `make bench` builds with ALL_BINS.
$(TBIN)/bench_ledger: $(OBJ)/tests/bench/bench_ledger.o $(LEDGER_LIB) $(PLATFORM_LIB)
$(TBIN)/bench_ledger: SYSLIBS := $(LIB_DB) $(LIB_WOLFSSL) $(LIB_PTHREAD)
$(TBIN)/bench_ledger:
	$(link)

# bench_enroll is an MS-ICPR client made of careq's library (libclient, in
# PROJECT_LIBS); it drives cad and caadm, which `make bench` builds with ALL_BINS.
$(TBIN)/bench_enroll: $(OBJ)/tests/bench/bench_enroll.o $(BENCH_P11_OBJ) $(BENCH_KRB_OBJ) $(PROJECT_LIBS)
$(TBIN)/bench_enroll: SYSLIBS := $(SYS_LIBS) $(LIB_GSSAPI)
$(TBIN)/bench_enroll:
	$(link)

$(TBIN)/bench_%: SYSLIBS = $(SYS_LIBS)
$(TBIN)/bench_%: $(OBJ)/tests/bench/bench_%.o $(BENCH_P11_OBJ) $(PROJECT_LIBS)
	$(link)
