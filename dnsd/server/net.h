/* net.h - socket creation for UDP workers and TCP listeners. */
#ifndef DNSD_NET_H
#define DNSD_NET_H

#include <stdbool.h>

#include "conf/config.h"

/* A non-blocking-free UDP socket bound to a, with SO_REUSEPORT so that
 * every worker has its own socket on the same address (the kernel spreads
 * packets by flow hash), and packet info enabled when a is a wildcard so
 * replies leave from the address the query came to. Returns the fd or
 * -errno. */
int net_udp_socket(const struct config_sockaddr *a);

/* A listening, non-blocking TCP socket bound to a. Returns fd or -errno. */
int net_tcp_listener(const struct config_sockaddr *a, int backlog);

/* True for 0.0.0.0 and ::. */
bool net_is_wildcard(const struct config_sockaddr *a);

/* Text form "ADDR:PORT" / "[ADDR]:PORT" of a socket address. */
void net_addr_str(const struct sockaddr *sa, char *buf, size_t len);

#endif
