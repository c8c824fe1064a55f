/* ctl_proto.h - the control socket's protocol (SPEC 7), shared by dnsd and
 * dnsdctl. One request per connection, as nsd-control and knotc do:
 *
 *   request:  "dnsd-control 1\n" COMMAND "\n" { ARG "\n" } "\n"
 *   response: "dnsd-control 1 ok\n" or "dnsd-control 1 error\n",
 *             then lines of text, then the server closes.
 *
 * ARG is "target=T", "for=MILLISECONDS" or "reason=TEXT". Text never holds
 * a newline (reasons are checked), so lines need no escaping. The version
 * is in both directions: a dnsd that does not speak the client's version
 * says so in a plain error instead of misreading it. */
#ifndef DNSD_CTL_PROTO_H
#define DNSD_CTL_PROTO_H

#define CTL_PROTO_MAGIC "dnsd-control 1"
#define CTL_PROTO_OK    CTL_PROTO_MAGIC " ok"
#define CTL_PROTO_ERROR CTL_PROTO_MAGIC " error"

/* A request is a command and its targets: a whole cluster's members fit
 * many times over; anything bigger is not a dnsdctl. */
#define CTL_MAX_REQUEST 65536
/* Targets of one command (each one line). */
#define CTL_MAX_ARGS 1024

/* SPEC 7's default; the shipped unit and conf/dnsd.ini configure it. */
#define CTL_DEFAULT_SOCKET "/run/dnsd/control.sock"

#endif
