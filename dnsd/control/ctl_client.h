/* ctl_client.h - dnsdctl's side of the control socket (SPEC 7): where to
 * connect (from dnsd's INI file) and one request/response exchange, with
 * each failure turned into one line an operator can act on. */
#ifndef DNSD_CTL_CLIENT_H
#define DNSD_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

/* Read `control` and `control_socket` of [server] from dnsd's INI file
 * (with inih, as dnsd does). control_socket is resolved against the
 * file's folder like dnsd resolves it. Each out string is malloc'd, or
 * NULL when the key is absent. Returns 0, or -1 with why in err. */
int ctl_client_ini(const char *path, char **control, char **control_socket,
                   char *err, size_t errlen);

/* Send the request lines (command first, then arguments) to the socket at
 * path and wait up to timeout_s for the whole response. Returns 0 with
 * *ok (the server's verdict) and *body (malloc'd lines), or -1 with one
 * line in err (socket missing, permission denied, not answering, ...). */
int ctl_client_call(const char *path, const char *const *lines, size_t n,
                    int timeout_s, bool *ok, char **body, char *err,
                    size_t errlen);

#endif
