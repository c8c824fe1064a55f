/* ctl_commands.h - what the control socket's requests do (SPEC 7): drain,
 * force-up, resume, admin and reload; the expiry timer of the overrides;
 * the state file kept after every change. Main thread only. */
#ifndef DNSD_CTL_COMMANDS_H
#define DNSD_CTL_COMMANDS_H

#include "control/ctl_socket.h"
#include "server/reload.h"
#include "server/server.h"

struct event_base;
struct ctl_commands;

/* srv->admin is the table (already loaded and applied); state_file (copied)
 * may be NULL (overrides then last until the process ends); qsbr_slot is the
 * main thread's reader slot. The expiry timer starts here, whether a
 * control socket exists or not. reloader may be NULL until
 * ctl_commands_set_reloader. Returns NULL when out of memory. */
struct ctl_commands *ctl_commands_new(struct event_base *base,
                                      struct server *srv, unsigned qsbr_slot,
                                      const char *state_file);

/* Hook the reloader's result to `dnsdctl reload` waiters. */
void ctl_commands_set_reloader(struct ctl_commands *cc, struct reloader *r);

/* The ctl_handler_fn of the control socket; arg is the ctl_commands. */
void ctl_commands_handle(void *arg, struct ctl_client *c, char *const *lines,
                         size_t nlines);

/* Drop waiters (their clients go with the socket) and the timer. Before
 * the reloader and the socket are freed. NULL is ignored. */
void ctl_commands_free(struct ctl_commands *cc);

#endif
