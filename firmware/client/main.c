/* careq's program: the command line to careq_main (careq.c, in libclient) and
 * its status to the exit status. The library never exits, so this is the one
 * place that does. */
#include <stdio.h>

#include "firmware/client/careq.h"

int main(int argc, char **argv)
{
	return careq_main(argc, argv, stdout, stderr);
}
