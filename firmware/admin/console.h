/* caadm's console verbs (console.c, console_view.c): the client side of the
 * custodian's admin socket (custodian/admin_proto.h). Every function returns 0
 * or the exit status of a failure it has printed (admin.h): 1 CA unreachable or
 * a broken answer, 2 refused, 3 not allowed or not logged in. */
#ifndef ADMIN_CONSOLE_H
#define ADMIN_CONSOLE_H

#include <stdint.h>

#include "firmware/admin/admin.h"
#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/admin_proto.h"
#include "platform/ipc.h"

struct console {
	const struct adm_cmd *cmd;
	struct ipc_chan chan;
	int connected;
	uint8_t token[ADM_TOKEN_LEN];
	int own_session; /* logged in for this verb: log out after */
	uint32_t next_id;
};

/* Sends type with w (freed), receives the reply into m (the caller frees it on
 * success), which must be of type expect; an ADM_ERROR is printed (status 3 for
 * access refusals, else 2). Requests are encoded and answers decoded with the
 * console channel's pairs (firmware/custodian/admin_msg.h). */
int con_call(struct console *c, uint32_t type, struct ipc_wbuf *w, uint32_t expect,
	     struct ipc_msg *m);
/* A request of the session token alone, into w (initialized here). */
void con_bare(struct console *c, struct ipc_wbuf *w);
/* Sends type with w (freed) and prints the ADM_OK answer's message. */
int con_simple(struct console *c, uint32_t type, struct ipc_wbuf *w);
/* The session: logs in as the --operator, else reads the one `caadm login` kept. */
int load_session(struct console *c);

/* For a data-directory verb that journals through the running CA (kerberos
 * keytab add|del): connects to DATA/admin.sock and, with session set, opens
 * the session (load_session). 0; CON_DOWN, unprinted, when nothing listens
 * there (the CA is not running); else the status of a failure printed (closed). */
#define CON_DOWN (-1)
int con_open(struct console *c, const struct adm_cmd *cmd, int session);
/* Logs out the session con_open opened for this verb (quietly after a failure,
 * rc != 0) and closes the connection. Returns rc, or the logout's failure. */
int con_close(struct console *c, int rc);

int console_view(struct console *c);
int console_audit(struct console *c);
int console_template(struct console *c); /* console_tmpl.c */

/* s as a JSON string on stdout, quotes included (the JSON of view, audit and
 * template is written by hand: nothing else in caadm needs a JSON library). */
void con_json_str(const char *s);

#endif
