/* http_host.c - see http_host.h. */
#include "control/http_host.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* Longest host part we look at: an IPv6 literal in brackets is 47, a DNS
 * name 253; anything longer is no name of ours. */
#define HOST_MAX 256

/* ":PORT" with 1-5 digits, or nothing. */
static bool port_ok(const char *p)
{
	if (*p == '\0')
		return true;
	if (*p++ != ':')
		return false;
	size_t n = 0;
	for (; p[n] != '\0'; n++)
		if (p[n] < '0' || p[n] > '9')
			return false;
	return n >= 1 && n <= 5;
}

/* Split "NAME[:PORT]" or "[V6][:PORT]" into name (brackets removed, into
 * buf) and say whether the rest is a well-formed port. */
static bool split_host(const char *in, char *buf, size_t size, bool *v6)
{
	const char *end;
	*v6 = false;
	if (in[0] == '[') {
		end = strchr(in, ']');
		if (end == NULL)
			return false;
		*v6 = true;
		in++;
	} else {
		end = strchr(in, ':');
		if (end == NULL)
			end = in + strlen(in);
	}
	size_t n = (size_t)(end - in);
	if (n == 0 || n >= size)
		return false;
	memcpy(buf, in, n);
	buf[n] = '\0';
	return port_ok(*v6 ? end + 1 : end);
}

static bool is_localhost(const char *name)
{
	return strcasecmp(name, "localhost") == 0 ||
	       strcasecmp(name, "localhost.") == 0;
}

bool http_host_allowed(const char *host, const char *control)
{
	if (host == NULL)
		return true;
	char name[HOST_MAX];
	bool v6;
	if (!split_host(host, name, sizeof(name), &v6))
		return false;
	unsigned char addr[16];
	if (v6)
		return inet_pton(AF_INET6, name, addr) == 1;
	if (inet_pton(AF_INET, name, addr) == 1 || is_localhost(name))
		return true;
	char mine[HOST_MAX];
	bool mine_v6;
	return control != NULL &&
	       split_host(control, mine, sizeof(mine), &mine_v6) &&
	       strcasecmp(name, mine) == 0;
}
