/* fuzz_dname.c - libFuzzer target for name unpacking and text forms. */
/* fuzz-sources: dnsd/dns/dname.c */
/* fuzz-libs: */
/* fuzz-max-len: 1024 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

/* A valid wire name must survive wire -> text -> wire unchanged, and be
 * a subdomain of itself and of the root. */
static void check_name(const uint8_t *name, size_t len, unsigned labels)
{
	char text[DNAME_STRLEN];
	uint8_t back[DNAME_MAXLEN];
	uint8_t low[DNAME_MAXLEN];

	CHECK(len >= 1 && len <= DNAME_MAXLEN);
	CHECK(dname_check(name, len) == (int)labels);
	CHECK(dname_labels(name, len) == labels);
	CHECK(dname_skip_labels(name, len, labels) == len - 1);
	size_t tl = dname_to_str(name, len, text, sizeof(text));
	CHECK(tl < sizeof(text) && tl == strlen(text));
	CHECK(dname_from_str(text, back) == (int)len);
	CHECK(memcmp(back, name, len) == 0);
	dname_tolower(low, name, len);
	CHECK(dname_equal(low, len, name, len));
	CHECK(dname_is_subdomain(name, len, low, len));
	CHECK(dname_is_subdomain(name, len, (const uint8_t *)"", 1));
	size_t sfx = dname_skip_labels(name, len, labels / 2);
	CHECK(dname_is_subdomain(name, len, name + sfx, len - sfx));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[DNAME_MAXLEN];
	size_t outlen;
	uint8_t labels;

	if (size < 1)
		return 0;
	/* The first byte picks where in the rest the name starts, so
	 * pointers have earlier bytes to reach. */
	const uint8_t *pkt = data + 1;
	size_t len = size - 1;
	size_t pos = len ? data[0] % len : 0;
	size_t start = pos;
	if (dname_unpack(pkt, len, &pos, out, &outlen, &labels) == 0) {
		CHECK(pos > start && pos <= len);
		check_name(out, outlen, labels);
	} else {
		CHECK(pos == start);
	}

	/* The same bytes as presentation text. */
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	int n = dname_from_str(text, out);
	if (n >= 0)
		check_name(out, (size_t)n, dname_labels(out, (size_t)n));
	free(text);
	return 0;
}
