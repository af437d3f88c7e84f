/* caadm's console verbs (console.c, console_view.c): the client side of the
 * custodian's admin socket (custodian/admin_proto.h). */
#ifndef ADMIN_CONSOLE_H
#define ADMIN_CONSOLE_H

#include <stdint.h>

#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/admin_proto.h"
#include "platform/ipc.h"

struct console {
	const char *dir, *operator_name, *pass_file;
	int pass_fd;
	struct ipc_chan chan;
	uint8_t token[ADM_TOKEN_LEN];
	int own_session; /* logged in for this verb: log out after */
	uint32_t next_id;
};

/* Runs a console verb (argv[0] after the global options); the exit status: 0 done,
 * 2 refused or failed, 3 not allowed / not logged in, 1 CA unreachable, 4 usage. */
int console_main(const char *dir, int argc, char **argv);

void con_usage(void) __attribute__((noreturn));
/* Sends type with w (freed), returns the reply, which must be of type expect; an
 * ADM_ERROR exits with its message. Requests are encoded and answers decoded with
 * the console channel's pairs (firmware/custodian/admin_msg.h). */
void con_call(struct console *c, uint32_t type, struct ipc_wbuf *w, uint32_t expect,
	      struct ipc_msg *m);
/* A request of the session token alone, into w (initialized here). */
void con_bare(struct console *c, struct ipc_wbuf *w);
/* Sends type with w (freed) and prints the ADM_OK answer's message. */
void con_simple(struct console *c, uint32_t type, struct ipc_wbuf *w);
void load_session(struct console *c);

int console_view(struct console *c, int argc, char **argv);
int console_audit(struct console *c, int argc, char **argv);

#endif
