/* dnstap_msg.c - fill the generated protobuf-c structs for one frame and
 * pack them (dnstap.proto's "AUTH_QUERY" and "AUTH_RESPONSE" field lists). */
#include "dnstap/dnstap_msg.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dnstap.pb-c.h"

/* The address bytes and port of sa; false for other families. */
static bool dnstap_addr(const struct sockaddr *sa, ProtobufCBinaryData *addr,
                        uint32_t *port, bool *v6)
{
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		addr->data = (uint8_t *)(uintptr_t)&s4->sin_addr;
		addr->len = 4;
		*port = ntohs(s4->sin_port);
		*v6 = false;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		addr->data = (uint8_t *)(uintptr_t)&s6->sin6_addr;
		addr->len = 16;
		*port = ntohs(s6->sin6_port);
		*v6 = true;
		return true;
	}
	return false;
}

/* Fill m for one frame. */
static void dnstap_fill(const struct dnstap_event *ev, enum dnstap_kind kind,
                        Dnstap__Message *m)
{
	Dnstap__Message minit = DNSTAP__MESSAGE__INIT;
	*m = minit;
	m->type = kind == DNSTAP_AUTH_QUERY
	              ? DNSTAP__MESSAGE__TYPE__AUTH_QUERY
	              : DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE;
	m->has_socket_protocol = true;
	m->socket_protocol = ev->tcp ? DNSTAP__SOCKET_PROTOCOL__TCP
	                             : DNSTAP__SOCKET_PROTOCOL__UDP;
	bool v6 = false;
	if (dnstap_addr(ev->client, &m->query_address, &m->query_port, &v6)) {
		m->has_query_address = m->has_query_port = true;
		m->has_socket_family = true;
		m->socket_family = v6 ? DNSTAP__SOCKET_FAMILY__INET6
		                      : DNSTAP__SOCKET_FAMILY__INET;
	}
	bool lv6 = false;
	/* A v4 socket's address beside a v6 client cannot happen; never
	 * mix families in one message. */
	if (dnstap_addr(ev->local, &m->response_address, &m->response_port,
	                &lv6) &&
	    lv6 == v6)
		m->has_response_address = m->has_response_port = true;
	m->has_query_time_sec = m->has_query_time_nsec = true;
	m->query_time_sec = (uint64_t)ev->qtime.tv_sec;
	m->query_time_nsec = (uint32_t)ev->qtime.tv_nsec;
	if (kind == DNSTAP_AUTH_QUERY) {
		m->has_query_message = true;
		m->query_message.data = (uint8_t *)(uintptr_t)ev->query;
		m->query_message.len = ev->qlen;
	} else {
		m->has_response_time_sec = m->has_response_time_nsec = true;
		m->response_time_sec = (uint64_t)ev->rtime.tv_sec;
		m->response_time_nsec = (uint32_t)ev->rtime.tv_nsec;
		m->has_response_message = true;
		m->response_message.data = (uint8_t *)(uintptr_t)ev->resp;
		m->response_message.len = ev->rlen;
	}
}

int dnstap_msg_prefix(struct dnstap_who *who)
{
	Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
	d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
	/* protobuf-c's bytes fields are not const; packing only reads. */
	d.has_identity = true;
	d.identity.data = (uint8_t *)(uintptr_t)who->identity;
	d.identity.len = strlen(who->identity);
	d.has_version = true;
	d.version.data = (uint8_t *)(uintptr_t)who->version;
	d.version.len = strlen(who->version);
	who->prefix_len = dnstap__dnstap__get_packed_size(&d);
	who->prefix = malloc(who->prefix_len);
	if (who->prefix == NULL)
		return -1;
	dnstap__dnstap__pack(&d, who->prefix);
	return 0;
}

/* Dnstap.message: field 14, length-delimited ((14 << 3) | 2). */
#define DNSTAP_MESSAGE_TAG 0x72
/* The most a Message's fields take besides the DNS message's own bytes:
 * 12 one-byte tags, 4 varints of up to 10 bytes, 2 fixed32, 2 ports and 3
 * lengths of up to 5, 2 addresses of 16 (see dnstap.proto). */
#define DNSTAP_MESSAGE_OVERHEAD 160
/* Longest varint of a length below 2^35. */
#define DNSTAP_LEN_MAX 5

/* A frame is the constant prefix followed by field 14 holding the packed
 * Message: protobuf merges concatenated fields, so this decodes as one
 * Dnstap, and protobuf-c packs only the small Message per frame (packing
 * the nested Dnstap walked the Message twice, for its size first). */
uint8_t *dnstap_msg_encode(const struct dnstap_who *who,
                           const struct dnstap_event *ev, enum dnstap_kind kind,
                           struct dnstap_ring *r, struct dnstap_slot **slot,
                           size_t *len)
{
	Dnstap__Message m;
	dnstap_fill(ev, kind, &m);
	size_t data = kind == DNSTAP_AUTH_QUERY ? ev->qlen : ev->rlen;
	size_t bound = who->prefix_len + 1 + DNSTAP_LEN_MAX +
	               DNSTAP_MESSAGE_OVERHEAD + data;
	uint8_t *out = dnstap_ring_reserve(r, bound, slot);
	if (out == NULL)
		return NULL;
	size_t at = who->prefix_len;
	memcpy(out, who->prefix, at);
	out[at++] = DNSTAP_MESSAGE_TAG;
	uint8_t *body = out + at + DNSTAP_LEN_MAX;
	size_t mlen = dnstap__message__pack(&m, body);
	size_t v = mlen;
	while (v >= 0x80) {
		out[at++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[at++] = (uint8_t)v;
	memmove(out + at, body, mlen);
	*len = at + mlen;
	dnstap_ring_shrink(r, *slot, *len);
	return out;
}
