/* test_flap.c - the rise/fall machine against a look-back model, over
 * every result sequence up to 12 checks long, plus named cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "probes/flap.h"

#define SEQ_MAX 12

/* Model: after the first result, the state flips at check i when the
 * results since the last flip end in at least `need` (rise or fall)
 * consecutive results against the state. Computed by looking back over
 * the sequence, not by a counter, so it is an independent statement of
 * the rule. */
static void model(const bool *r, int n, unsigned rise, unsigned fall,
                  bool *state, bool *changed)
{
	int last_flip = 0;
	bool s = r[0];
	state[0] = s;
	changed[0] = true;
	for (int i = 1; i < n; i++) {
		unsigned need = s ? fall : rise;
		unsigned run = 0;
		for (int j = i; j > last_flip && r[j] != s; j--)
			run++;
		changed[i] = run >= need;
		if (changed[i]) {
			s = r[i];
			last_flip = i;
		}
		state[i] = s;
	}
}

static void test_exhaustive(void **unused)
{
	(void)unused;
	unsigned long sequences = 0;
	for (unsigned rise = 1; rise <= 4; rise++) {
		for (unsigned fall = 1; fall <= 4; fall++) {
			for (int n = 1; n <= SEQ_MAX; n++) {
				for (unsigned bits = 0; bits < (1u << n);
				     bits++) {
					bool r[SEQ_MAX], st[SEQ_MAX],
					    ch[SEQ_MAX];
					for (int i = 0; i < n; i++)
						r[i] = (bits >> i) & 1u;
					model(r, n, rise, fall, st, ch);
					struct flap f = {0};
					for (int i = 0; i < n; i++) {
						bool c = flap_record(
						    &f, r[i], rise, fall);
						assert_true(f.known);
						assert_int_equal(c, ch[i]);
						assert_int_equal(f.up, st[i]);
					}
					sequences++;
				}
			}
		}
	}
	assert_int_equal(sequences, 16ul * ((1ul << (SEQ_MAX + 1)) - 2));
}

static void test_first_result_sets_state(void **unused)
{
	(void)unused;
	struct flap up = {0}, down = {0};
	assert_true(flap_record(&up, true, 2, 3));
	assert_true(up.known);
	assert_true(up.up);
	assert_true(flap_record(&down, false, 2, 3));
	assert_true(down.known);
	assert_false(down.up);
	/* agreeing results change nothing */
	assert_false(flap_record(&up, true, 2, 3));
	assert_false(flap_record(&down, false, 2, 3));
}

static void test_fall_three(void **unused)
{
	(void)unused;
	struct flap f = {0};
	flap_record(&f, true, 2, 3);
	assert_false(flap_record(&f, false, 2, 3));
	assert_false(flap_record(&f, false, 2, 3));
	assert_true(f.up);
	assert_true(flap_record(&f, false, 2, 3));
	assert_false(f.up);
	/* the streak starts over after a flip */
	assert_int_equal(f.streak, 0);
	assert_false(flap_record(&f, true, 2, 3));
	assert_true(flap_record(&f, true, 2, 3));
	assert_true(f.up);
}

static void test_success_breaks_fall_streak(void **unused)
{
	(void)unused;
	struct flap f = {0};
	flap_record(&f, true, 2, 3);
	/* F F S F F never reaches 3 consecutive failures */
	const bool seq[] = {false, false, true, false, false, true};
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		assert_false(flap_record(&f, seq[i], 2, 3));
		assert_true(f.up);
	}
}

static void test_failure_breaks_rise_streak(void **unused)
{
	(void)unused;
	struct flap f = {0};
	flap_record(&f, false, 3, 2);
	const bool seq[] = {true, true, false, true, true, false};
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		assert_false(flap_record(&f, seq[i], 3, 2));
		assert_false(f.up);
	}
	assert_false(flap_record(&f, true, 3, 2));
	assert_false(flap_record(&f, true, 3, 2));
	assert_true(flap_record(&f, true, 3, 2));
	assert_true(f.up);
}

static void test_one_flips_at_once(void **unused)
{
	(void)unused;
	struct flap f = {0};
	flap_record(&f, true, 1, 1);
	for (int i = 0; i < 6; i++) {
		bool ok = i % 2 != 0;
		assert_true(flap_record(&f, ok, 1, 1));
		assert_int_equal(f.up, ok);
	}
}

static void test_zero_counts_as_one(void **unused)
{
	(void)unused;
	/* config rejects 0; the machine must still never get stuck */
	struct flap f = {0};
	flap_record(&f, true, 0, 0);
	assert_true(flap_record(&f, false, 0, 0));
	assert_false(f.up);
	assert_true(flap_record(&f, true, 0, 0));
	assert_true(f.up);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exhaustive),
	    cmocka_unit_test(test_first_result_sets_state),
	    cmocka_unit_test(test_fall_three),
	    cmocka_unit_test(test_success_breaks_fall_streak),
	    cmocka_unit_test(test_failure_breaks_rise_streak),
	    cmocka_unit_test(test_one_flips_at_once),
	    cmocka_unit_test(test_zero_counts_as_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
