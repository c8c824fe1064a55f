/* net.c - sockets: options that matter for an authoritative server. */
#include "server/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* 4 MiB receive buffer: absorbs bursts while a worker is busy with a batch
 * (the kernel caps it at net.core.rmem_max; failure is harmless). */
#define NET_UDP_RCVBUF (4 * 1024 * 1024)

bool net_is_wildcard(const struct config_sockaddr *a)
{
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 =
		    (const struct sockaddr_in *)&a->ss;
		return s4->sin_addr.s_addr == htonl(INADDR_ANY);
	}
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
	return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
}

static int set_common(int fd, int family)
{
	int one = 1;
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

int net_udp_socket(const struct config_sockaddr *a)
{
	int family = a->ss.ss_family;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	int err = set_common(fd, family);
	if (err == 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		err = -errno;
	if (err == 0 && net_is_wildcard(a)) {
		if (family == AF_INET && setsockopt(fd, IPPROTO_IP, IP_PKTINFO,
		                                    &one, sizeof(one)) < 0)
			err = -errno;
		if (family == AF_INET6 &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
		               sizeof(one)) < 0)
			err = -errno;
	}
	if (err == 0) {
		int rcvbuf = NET_UDP_RCVBUF;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		                 sizeof(rcvbuf));
		/* Wake at least twice a second to see a stop request even if
		 * the shutdown() wake-up were missed. */
		struct timeval tv = {0, 500 * 1000};
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
			err = -errno;
	}
	if (err != 0) {
		close(fd);
		return err;
	}
	return fd;
}

int net_tcp_listener(const struct config_sockaddr *a, int backlog)
{
	int family = a->ss.ss_family;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	int err = set_common(fd, family);
	if (err == 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		err = -errno;
	if (err == 0 && bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		err = -errno;
	if (err == 0 && listen(fd, backlog) < 0)
		err = -errno;
	if (err != 0) {
		close(fd);
		return err;
	}
	return fd;
}

void net_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, len, "?");
	}
}
