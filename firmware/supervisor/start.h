/* What a start is, as libsupervisor code that returns errors (cad.c wires it to
 * the sockets, the channels and sup_spawn; tests/unit/test_supervisor_start.c
 * drives it): ca.conf's settings for the children, the listening addresses,
 * each daemon's argv, ca-auth's environment, and the verdict of ca-auth's
 * sandbox self-test. */
#ifndef SUPERVISOR_START_H
#define SUPERVISOR_START_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

#include "platform/conf.h"
#include "platform/ipc.h"

#define CAD_OPERATORS_GROUP "ca-operators" /* ca.conf operators_group's default */
#define CAD_GROUP_NAME_MAX 32
#define CAD_WORKER_LIMITS 5
#define CAD_LEDGER_RESERVE_MB 16   /* ca.conf ledger_reserve_mb's default */
#define CAD_LEDGER_LOW_SPACE_MB 64 /* ca.conf ledger_low_space_mb's default */
#define CAD_ARGV_MAX 40            /* any daemon's argv, with its NULL */
#define CAD_DCOM_ADDRESS_MAX 48    /* ca.conf dcom_address: a host name or an address */

/* ca.conf's settings cad passes on, as the arguments' text. */
struct cad_settings {
	/* the worker's limits and deadlines set in ca.conf, "--option value"
	 * pairs (worker.h has the defaults and the worker checks them again) */
	char worker_limits[CAD_WORKER_LIMITS][2][24];
	int n_worker_limits;
	char token_lifetime[24];          /* ca-auth's --token-lifetime ("" : its own) */
	char ledger_reserve[24], ledger_low[24]; /* the ledger's --reserve-mb, --low-space-mb */
	char ops_group[CAD_GROUP_NAME_MAX + 1];  /* the console's operators' group */
	char dcom_address[CAD_DCOM_ADDRESS_MAX + 1]; /* the worker's --dcom-address ("": none) */
};

/* Reads ca.conf's worker_max_conns_icpr (1..64), worker_max_conns_epm (..512),
 * worker_max_conns_per_address (..1024), worker_logon_deadline (..3600 s),
 * worker_connection_deadline (..86400 s; ca-auth's tokens live a minute
 * longer), ledger_reserve_mb and ledger_low_space_mb (..1048576; a threshold
 * below the reserve is warned about), operators_group (1..32 of a-z 0-9 _ -, not
 * starting with -), dcom_address (1..48 of A-Z a-z 0-9 . - :, the name DCOM's
 * OXID bindings announce before the address a client reached). 0, or -1 with err naming the key, as cad says it at start. */
int cad_settings_read(const struct conf *conf, struct cad_settings *s, char *err,
		      size_t errlen);

/* cad's command line:
 *   cad --data DIR [--pin-file FILE] [--epm ADDR:PORT] [--icpr ADDR:PORT]
 *       [--sandbox-selftest]
 * The defaults: CONFIG_DATA_DIR, no PIN file (the terminal's), 127.0.0.1 on
 * CONFIG_EPM_PORT and CONFIG_ICPR_PORT. */
struct cad_args {
	const char *dir, *pin_file, *epm, *icpr; /* into argv or the defaults below */
	int selftest;
	char epm_default[32], icpr_default[32];
};
/* 0, or -1 (an unknown option, a missing value, an operand): cad prints its
 * usage. getopt's state is reset first, so it may be called again. */
int cad_parse_args(int argc, char **argv, struct cad_args *a);

/* ADDR:PORT (IPv4; port 0: the kernel's choice) into *sa. 0, or -1 with err. */
int cad_parse_listen(const char *spec, struct sockaddr_in *sa, char *err, size_t errlen);

/* A listening TCP socket (close-on-exec, SO_REUSEADDR, backlog 128) on spec,
 * the port it got in *port. The descriptor, or -1 after the message (as
 * prepare.h's: "cad: fatal: ..."). */
int cad_listen(const char *spec, int *port);

/* DATA/admin.sock, the console's socket, listening (a stale one replaced). It
 * is bound 0600 and only then, with a group (have_gid: gid, named group in the
 * message), given to root and that group, mode 0660: never wider than meant,
 * even for a moment. Its path in path. The descriptor, or -1 after the message. */
int cad_listen_admin(const char *dir, int have_gid, gid_t gid, const char *group, char *path,
		     size_t pathlen);

/* ca-auth's environment: of env, only the sanitizers' options (ASAN_OPTIONS=,
 * LSAN_OPTIONS=, UBSAN_OPTIONS=, the first of each), never cad's PIN path or
 * SoftHSM configuration. out holds CAD_AUTH_ENV_MAX + 1 and ends with NULL;
 * returns the count. */
#define CAD_AUTH_ENV_MAX 3
size_t cad_auth_environment(char *const *env, char *out[CAD_AUTH_ENV_MAX + 1]);

/* ca-auth's argv: its channel on 3, the data directory, as root --user
 * ca-auth (jailed), --selftest-open PATH for the self-test, and with a key
 * (key_fd) --token-key-fd 4 and the token lifetime when ca.conf sets one.
 * Returns argc (argv ends with NULL; argv holds CAD_ARGV_MAX). */
int cad_auth_argv(const struct cad_settings *s, const char *dir, int jailed,
		  const char *selftest_open, int with_key, char *argv[CAD_ARGV_MAX]);

/* The worker's argv: its channel on 3, the endpoint mapper's and MS-ICPR's
 * listening sockets on 4 and 5 with their ports, ca-auth's channel on 6,
 * ca.conf's limits, --selftest-open / for the sandbox self-test, and as root
 * --user ca-worker --chroot /var/empty. Returns argc. */
int cad_worker_argv(const struct cad_settings *s, const char *icpr_port, const char *epm_port,
		    int selftest, int as_root, char *argv[CAD_ARGV_MAX]);

/* The ledger's argv: serve, the data directory, its channel on 3, the
 * free-space settings. Returns argc. */
int cad_ledger_argv(const struct cad_settings *s, const char *dir, char *argv[CAD_ARGV_MAX]);

/* How the custodian gets the PIN. */
enum cad_pin { CAD_PIN_FD, CAD_PIN_FILE, CAD_PIN_TERMINAL };

/* The custodian's argv: serve, the data directory, the ledger's channel on 3,
 * the control channel on 4, the console's socket on 5, the PIN on 6 (fd), from
 * pin_file, or from the terminal, and --operators-gid when ops_gid is not NULL.
 * Returns argc; its descriptors are 3 + (pin == CAD_PIN_FD). */
int cad_custodian_argv(const char *dir, enum cad_pin pin, const char *pin_file,
		       const char *ops_gid, char *argv[CAD_ARGV_MAX]);

/* A worker's start, cad's part before the spawns: a new worker channel whose
 * custodian's end goes over control (CUST_CTL_WORKER, the descriptor attached)
 * with a fresh identity-token key (IDTOKEN_KEY_LEN random octets), and the same
 * key written into a pipe for ca-auth (never argv or the environment); cad's
 * copy is wiped. 0 with *worker (the worker's end of its channel) and *key_r
 * (the pipe's read end, holding the key); -1 when the custodian cannot be told
 * (logged; nothing left open: it is gone and will be restarted, the worker with
 * it); -2 after the message when the system refuses (cad stops). */
int cad_hand_worker_key(struct ipc_chan *control, int *worker, int *key_r);

/* ca-auth's sandbox self-test, judged from its wait status: 0 when it was killed
 * by SIGSYS (its filter held), or -1 with msg saying how it ended instead. */
int cad_auth_selftest_verdict(int st, char *msg, size_t msglen);

#endif
