/* dnstap_file.h - the byte sink of a file: dnstap sink: an fstrm_rdwr that
 * writes each batch of frames with one writev on a plain descriptor.
 * libfstrm's own file writer goes through stdio, one fwrite per frame and
 * a write(2) per 4 KiB, which cost dnsd a system call every 16 queries. */
#ifndef DNSD_DNSTAP_FILE_H
#define DNSD_DNSTAP_FILE_H

struct fstrm_writer;
struct fstrm_writer_options;

/* A Frame Streams writer to path (created or truncated when fstrm opens
 * it, on its I/O thread). Returns NULL when out of memory. */
struct fstrm_writer *dnstap_file_writer(const char *path,
                                        const struct fstrm_writer_options *w);

#endif
