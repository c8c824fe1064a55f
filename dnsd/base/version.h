/* version.h - the release number printed by dnsd -V. */
#ifndef DNSD_VERSION_H
#define DNSD_VERSION_H
#define DNSD_VERSION "0.1.0"
#endif
