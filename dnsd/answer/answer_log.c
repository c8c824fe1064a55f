/* answer_log.c - the debug query log (SPEC 10): one line per query, made
 * only when log_level = debug (callers test ctx->trace, set once per
 * batch), so the hot path formats nothing otherwise. */
#include "answer/answer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "base/log.h"
#include "dns/consts.h"

/* "192.0.2.1#53000" or "2001:db8::1#53000" (the port after '#', as BIND
 * and NSD log it, so an IPv6 address needs no brackets). */
static void answer_log_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(buf, len, "%s#%u", host, port);
}

void answer_log_query(const struct answer_ctx *ctx, const struct sockaddr *src,
                      bool tcp, const char *note)
{
	const struct answer_trace *t = &ctx->last;
	const char *proto = tcp ? "tcp" : "udp";
	char from[INET6_ADDRSTRLEN + 8];
	answer_log_addr(src, from, sizeof(from));
	if (!t->answered) {
		log_msg(LOG_LEVEL_DEBUG, "query", "%s %s: not answered (%s)",
		        from, proto,
		        note != NULL ? note : "QR=1 or shorter than a header");
		return;
	}
	/* The name as RFC 1035 section 5.1 text: bytes that are not
	 * printable are escaped (\DDD), so a hostile name cannot forge log
	 * lines or terminal escapes. */
	char name[DNAME_STRLEN];
	char question[DNAME_STRLEN + 32] = "(no question)";
	if (t->has_question) {
		char type[16], cls[16] = "";
		dname_to_str(t->qname, t->qname_len, name, sizeof(name));
		dns_type_name(t->qtype, type, sizeof(type));
		/* RFC 3597 section 5 for classes other than IN and CH. */
		if (t->qclass == DNS_CLASS_CH)
			snprintf(cls, sizeof(cls), "CH ");
		else if (t->qclass != DNS_CLASS_IN)
			snprintf(cls, sizeof(cls), "CLASS%u ",
			         (unsigned)t->qclass);
		snprintf(question, sizeof(question), "%s %s%s", name, cls,
		         type);
	}
	const char *rcode = dns_rcode_mnemonic(t->rcode);
	log_msg(LOG_LEVEL_DEBUG, "query", "%s %s %s -> %s%s%s%s%s", from, proto,
	        question, rcode != NULL ? rcode : "RCODE?",
	        t->cluster != NULL ? ", cluster " : "",
	        t->cluster != NULL ? t->cluster : "", note != NULL ? ", " : "",
	        note != NULL ? note : "");
}
