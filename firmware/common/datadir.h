/* Names in the data directory (DATA, `--data`) that more than one program uses:
 * cad creates or binds them, the custodian and caadm use them. One definition,
 * below all of them, so that cad needs no daemon's or library's header for a
 * file name. */
#ifndef COMMON_DATADIR_H
#define COMMON_DATADIR_H

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define OPERATOR_DIR "operators" /* DATA/operators/, the custodian's (0700) */
#define ADM_SOCKET "admin.sock"  /* the console's socket: cad binds, caadm connects */

/* DATA/admin.sock as a socket address (cad binds it, caadm connects to it); -1
 * when the path does not fit a socket address. */
static inline int adm_socket_address(const char *dir, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	return snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir, ADM_SOCKET) <
		       (int)sizeof(sa->sun_path)
		   ? 0
		   : -1;
}

#endif
