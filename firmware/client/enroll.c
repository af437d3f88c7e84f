/* One enrollment exchange (client.h): the -config string, name resolution, the
 * endpoint mapper, then CertServerRequest on the port it names. As Windows
 * clients do, the ICPR connection goes to the address the endpoint mapper was
 * reached at, whatever address the tower's floor 5 carries. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "firmware/client/client.h"

static int config_fail(char *err, size_t errlen, const char *why, const char *config)
{
	snprintf(err, errlen, "-config \"%s\": %s (expected HOST[:PORT]\\CANAME)", config, why);
	return -1;
}

/* A decimal port 1..65535 into out. */
static int parse_port(const char *s, size_t len, char out[6])
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	snprintf(out, 6, "%lu", v);
	return 0;
}

static int copy_part(char *out, size_t outsz, const char *s, size_t len)
{
	if (len == 0 || len >= outsz || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* HOST, HOST:PORT, [V6] or [V6]:PORT; a bare IPv6 address (two colons or more)
 * has no port. */
static int parse_host(const char *s, size_t len, struct enroll_target *t)
{
	const char *colon = memchr(s, ':', len), *end, *rest;
	size_t rest_len;

	strcpy(t->port, ENROLL_EPM_PORT);
	if (len > 0 && s[0] == '[') {
		if ((end = memchr(s, ']', len)) == NULL)
			return -1;
		rest = end + 1;
		rest_len = (size_t)(s + len - rest);
		if (rest_len > 0 &&
		    (rest[0] != ':' || parse_port(rest + 1, rest_len - 1, t->port) != 0))
			return -1;
		return copy_part(t->host, sizeof(t->host), s + 1, (size_t)(end - s - 1));
	}
	if (colon != NULL && memchr(colon + 1, ':', (size_t)(s + len - colon - 1)) == NULL) {
		if (parse_port(colon + 1, (size_t)(s + len - colon - 1), t->port) != 0)
			return -1;
		len = (size_t)(colon - s);
	}
	return copy_part(t->host, sizeof(t->host), s, len);
}

int enroll_parse_config(const char *config, struct enroll_target *t, char *err, size_t errlen)
{
	/* Host names hold no backslash; CA names might, so the first one splits. */
	const char *bs = strchr(config, '\\');

	if (bs == NULL)
		return config_fail(err, errlen, "no \\ before the CA name", config);
	if (parse_host(config, (size_t)(bs - config), t) != 0)
		return config_fail(err, errlen, "bad host or port", config);
	if (copy_part(t->ca_name, sizeof(t->ca_name), bs + 1, strlen(bs + 1)) != 0)
		return config_fail(err, errlen, "bad CA name", config);
	return 0;
}

/* Connects to the first address of host:port that answers. */
int enroll_connect_epm(const struct enroll_target *t, struct rpcc *c,
		       struct sockaddr_storage *ss, socklen_t *sslen, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	int rc, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((gai = getaddrinfo(t->host, t->port, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", t->host, gai_strerror(gai));
		return RPCC_ENET;
	}
	rc = RPCC_ENET;
	snprintf(err, errlen, "%s: no address", t->host);
	for (ai = res; ai != NULL && rc != RPCC_OK; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(*ss))
			continue;
		rc = rpcc_connect(c, ai->ai_addr, ai->ai_addrlen, t->timeout_ms, t->max_recv);
		if (rc != RPCC_OK) {
			snprintf(err, errlen, "endpoint mapper: %s", c->err);
			continue;
		}
		memcpy(ss, ai->ai_addr, ai->ai_addrlen);
		*sslen = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	return rc;
}

/* The ICPR port from the endpoint mapper at t; *ss is the address that answered. */
static int lookup(const struct enroll_target *t, struct sockaddr_storage *ss, socklen_t *sslen,
		  uint16_t *port, char *err, size_t errlen)
{
	struct rpcc c;
	int rc;

	if ((rc = enroll_connect_epm(t, &c, ss, sslen, err, errlen)) != RPCC_OK)
		return rc;
	if ((rc = rpcc_bind(&c, &rpc_iface_epm)) == RPCC_OK)
		rc = epmc_map(&c, &rpc_iface_icpr, port);
	if (rc != RPCC_OK)
		snprintf(err, errlen, "endpoint mapper at %s port %s: %s", t->host, t->port, c.err);
	rpcc_close(&c);
	return rc;
}

void enroll_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

int enroll_call(const struct enroll_target *t, const struct rpc_icpr_request *q,
		struct ndr_wr *out, struct rpc_icpr_response *resp, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	uint16_t port = 0;
	struct rpcc c;
	int rc;

	memset(&ss, 0, sizeof(ss));
	if ((rc = lookup(t, &ss, &sslen, &port, err, errlen)) != RPCC_OK)
		return rc;
	enroll_set_port(&ss, port);
	rc = rpcc_connect(&c, (struct sockaddr *)&ss, sslen, t->timeout_ms, t->max_recv);
	/* The endpoint mapper is always asked without authentication. */
	if (rc == RPCC_OK)
		rc = t->auth != NULL ? rpcc_bind_auth(&c, &rpc_iface_icpr, t->auth)
				     : rpcc_bind(&c, &rpc_iface_icpr);
	if (rc == RPCC_OK)
		rc = icprc_call(&c, q, out, resp);
	if (rc != RPCC_OK)
		snprintf(err, errlen, "MS-ICPR at %s port %u: %s", t->host, port, c.err);
	rpcc_close(&c);
	return rc;
}
