/* A token behind `p11-kit server` (p11kit_server.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "tests/unit/support/p11kit_server.h"
#include "tests/unit/support/softhsm_token.h"

void p11kit_server_start(const char *sock, const char *label, pid_t *pid)
{
	char provider[] = "--provider=" SOFTHSM_MODULE, uri[64];

	(void)unlink(sock);
	snprintf(uri, sizeof(uri), "pkcs11:token=%s", label);
	*pid = fork();
	if (*pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		setpgid(0, 0);
		dup2(null, 1);
		execl(P11KIT_BIN, "p11-kit", "server", "-f", "-n", sock, provider, uri,
		      (char *)NULL);
		_exit(127);
	}
	assert_true(*pid > 0);
	/* the server makes its socket once it is ready: wait up to 5 s for it */
	for (int i = 0; i < 100 && access(sock, F_OK) != 0; i++)
		usleep(50 * 1000);
	assert_int_equal(access(sock, F_OK), 0);
}
