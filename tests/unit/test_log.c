/* test_log.c - log_msg's line format and escaping, read back from stderr
 * through a pipe. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

/* Big enough for any one line log_msg writes (it cuts at 2 KB). */
#define CAPTURE_MAX 8192

/* stderr on a pipe between capture_begin and capture_end. */
static int cap_pipe[2] = {-1, -1};
static int cap_saved = -1;

static void capture_begin(void)
{
	assert_int_equal(pipe(cap_pipe), 0);
	cap_saved = dup(STDERR_FILENO);
	assert_true(cap_saved >= 0);
	assert_true(dup2(cap_pipe[1], STDERR_FILENO) >= 0);
}

/* What was written since capture_begin, NUL-ended; its length. */
static size_t capture_end(char *out, size_t size)
{
	assert_true(dup2(cap_saved, STDERR_FILENO) >= 0);
	close(cap_saved);
	close(cap_pipe[1]);
	size_t n = 0;
	ssize_t r;
	while (n < size - 1 &&
	       (r = read(cap_pipe[0], out + n, size - 1 - n)) > 0)
		n += (size_t)r;
	close(cap_pipe[0]);
	out[n] = '\0';
	return n;
}

/* The line log_info("%s", text) writes. */
static size_t capture(char *out, size_t size, const char *text)
{
	capture_begin();
	log_info("test", "%s", text);
	return capture_end(out, size);
}

/* The message part: after "part: ". */
static const char *message(const char *line)
{
	const char *m = strstr(line, " test: ");
	assert_non_null(m);
	return m + strlen(" test: ");
}

static void assert_printable_line(const char *line, size_t n)
{
	assert_true(n > 0);
	assert_int_equal(line[n - 1], '\n');
	for (size_t i = 0; i + 1 < n; i++)
		assert_true(line[i] >= 0x20 && line[i] <= 0x7e);
}

static void test_plain(void **unused)
{
	(void)unused;
	char line[CAPTURE_MAX];
	size_t n = capture(line, sizeof(line), "member 192.0.2.1 is up");
	assert_printable_line(line, n);
	/* "2026-11-21T18:00:00.123Z info  test: ..." */
	assert_true(n > 24);
	assert_int_equal(line[10], 'T');
	assert_int_equal(line[23], 'Z');
	assert_non_null(strstr(line, " info  test: "));
	assert_string_equal(message(line), "member 192.0.2.1 is up\n");
}

static void test_control_characters(void **unused)
{
	(void)unused;
	char line[CAPTURE_MAX];
	/* What issue 10 saw echoed: a screen clear and a colour. */
	size_t n = capture(line, sizeof(line), "detail \x1b[2J\x1b[31mred");
	assert_printable_line(line, n);
	assert_string_equal(message(line), "detail \\x1b[2J\\x1b[31mred\n");
}

static void test_newline_and_others(void **unused)
{
	(void)unused;
	char line[CAPTURE_MAX];
	/* A newline would forge a second line; tab, CR, DEL and bytes
	 * >= 0x80 (UTF-8 "é" is c3 a9) are escaped as well. */
	size_t n = capture(line, sizeof(line),
	                   "a\nb\tc\rd\x7f"
	                   "e\xc3\xa9");
	assert_printable_line(line, n);
	assert_string_equal(message(line),
	                    "a\\x0ab\\x09c\\x0dd\\x7fe\\xc3\\xa9\n");
	/* Exactly one line. */
	assert_ptr_equal(strchr(line, '\n'), line + n - 1);
}

static void test_format_text_escaped(void **unused)
{
	(void)unused;
	char line[CAPTURE_MAX];
	/* The format string itself is no exception. */
	capture_begin();
	log_info("test", "two\nlines %s", "x");
	size_t n = capture_end(line, sizeof(line));
	assert_printable_line(line, n);
	assert_string_equal(message(line), "two\\x0alines x\n");
}

static void test_long_message_cut(void **unused)
{
	(void)unused;
	char line[CAPTURE_MAX];
	char *big = malloc(5000);
	assert_non_null(big);
	/* Every byte escapes to four: the cut must not split an escape. */
	memset(big, 0x1b, 4999);
	big[4999] = '\0';
	size_t n = capture(line, sizeof(line), big);
	free(big);
	assert_printable_line(line, n);
	assert_true(n <= 2048);
	const char *m = message(line);
	size_t mlen = strlen(m) - 1; /* without the newline */
	assert_true(mlen > 1000);
	assert_int_equal(mlen % 4, 0);
	for (size_t i = 0; i < mlen; i += 4)
		assert_memory_equal(m + i, "\\x1b", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_control_characters),
	    cmocka_unit_test(test_newline_and_others),
	    cmocka_unit_test(test_format_text_escaped),
	    cmocka_unit_test(test_long_message_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
