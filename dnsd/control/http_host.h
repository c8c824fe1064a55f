/* http_host.h - the Host header check of the control endpoint, against DNS
 * rebinding: a web page on evil.example whose name is re-pointed at
 * 127.0.0.1 can make the browser fetch /status from dnsd, but the request
 * still says "Host: evil.example". Only names that cannot be rebound are
 * accepted: an IP literal, localhost, or the configured control address. */
#ifndef DNSD_HTTP_HOST_H
#define DNSD_HTTP_HOST_H

#include <stdbool.h>

/* True when host (a Host header value, NULL when the request had none) may
 * be served. host is NAME or NAME:PORT, NAME an IPv4 literal, [IPv6], or
 * "localhost" (any case, a final dot allowed); control is the configured
 * control address as written (HOST:PORT), its HOST accepted too. A request
 * without Host (HTTP/1.0, dnsdctl older than Host) is served: browsers,
 * the only clients rebinding can drive, always send one. */
bool http_host_allowed(const char *host, const char *control);

#endif
