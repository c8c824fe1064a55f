/* probe_init.c - process-wide set-up of the probing libraries, kept here so
 * that main.c never includes libcurl itself. */
#include "probes/probe.h"

#include <curl/curl.h>
#include <event2/thread.h>

int prober_global_init(void)
{
	/* libevent's locking must be on before any event base exists, since
	 * the main thread wakes the probe thread's base (libevent docs). */
	if (evthread_use_pthreads() != 0)
		return -1;
	/* Once, before any thread exists: curl_global_init is not
	 * thread-safe (libcurl docs). */
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void prober_global_cleanup(void)
{
	curl_global_cleanup();
}
