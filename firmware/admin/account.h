/* caadm account add|del|list|passwd: the enrollee accounts ca-auth checks NTLM
 * logons against (DATA/auth/accounts; see firmware/auth/README.md). */
#ifndef ADMIN_ACCOUNT_H
#define ADMIN_ACCOUNT_H

/* argv[0] is "account". Returns the exit status. */
int cmd_account(int argc, char **argv);

#endif
