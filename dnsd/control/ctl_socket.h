/* ctl_socket.h - the UNIX control socket (SPEC 7) on the main thread's
 * event loop: permissions, peer credentials, framing, bounded and timed
 * clients. What a request means is ctl_commands.c's business. */
#ifndef DNSD_CTL_SOCKET_H
#define DNSD_CTL_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct event_base;
struct ctl_socket;
struct ctl_client;

/* A whole request: lines[0] is the command, the rest its arguments. The
 * handler answers with ctl_client_reply, now or later (a reload); until it
 * does the client is kept and not read from. */
typedef void (*ctl_handler_fn)(void *arg, struct ctl_client *c,
                               char *const *lines, size_t nlines);

/* Create the socket file at path and listen: a stale socket file is
 * replaced, one a live process still serves is an error, and so is
 * anything that is not a socket. Mode 0660; owned by user and its group
 * when user is not NULL. Before the privilege drop (the folder may be
 * root's). Returns the listening fd, or -1 with why in err. */
int ctl_socket_bind(const char *path, const char *user, char *err,
                    size_t errlen);

/* Serve fd (from ctl_socket_bind; owned from now on). path is unlinked by
 * ctl_socket_free. Returns NULL when out of memory (fd closed). */
struct ctl_socket *ctl_socket_new(struct event_base *base, int fd,
                                  const char *path, ctl_handler_fn handler,
                                  void *arg);

/* Close the listener and every client, remove the socket file. */
void ctl_socket_free(struct ctl_socket *s);

/* Send the response (ok or error, then body: lines ending in '\n', or
 * "") and close once it is written. c is gone after this call. */
void ctl_client_reply(struct ctl_client *c, bool ok, const char *body);

/* Clients connected now, for tests of the cap. */
size_t ctl_socket_clients(const struct ctl_socket *s);

#endif
