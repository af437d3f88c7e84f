/* caadm: the operators' console tool. Everything but this file is libadmin
 * (admin.h); main names the program in its messages and exits with the status
 * the library returns. */
#include "firmware/admin/admin.h"
#include "platform/log.h"

int main(int argc, char **argv)
{
	log_init("caadm");
	return caadm_main(argc, argv);
}
