/* compat.h - attribute macros used on prototypes across dnsd. */
#ifndef DNSD_COMPAT_H
#define DNSD_COMPAT_H

#define DNSD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define DNSD_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define DNSD_WARN_UNUSED  __attribute__((warn_unused_result))
#define DNSD_LIKELY(x)    __builtin_expect(!!(x), 1)
#define DNSD_UNLIKELY(x)  __builtin_expect(!!(x), 0)
/* For a per-query helper called from a cold path too, where GCC would
 * otherwise keep one out-of-line copy and pay a call on the hot path. */
#define DNSD_ALWAYS_INLINE inline __attribute__((always_inline))
#define DNSD_ARRAY_LEN(a)  (sizeof(a) / sizeof((a)[0]))

/* Cache line size: per-thread state is padded to it so that workers never
 * share a line (false sharing would turn counters into a shared hot spot). */
#define DNSD_CACHELINE 64

#endif
