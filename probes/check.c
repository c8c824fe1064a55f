/* check.c - the table of check types: which ops run which profile type. */
#include "probes/check.h"

const struct check_ops *const check_ops_all[CHECK_OPS_COUNT] = {
    &http_check_ops,
    &tcp_check_ops,
};

unsigned check_ops_index(enum check_type type)
{
	switch (type) {
	case CHECK_TCP:
		return 1;
	case CHECK_HTTP:
	case CHECK_HTTPS:
		break;
	}
	return 0;
}
