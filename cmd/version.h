/* version.h - the release number. */
#ifndef SX_VERSION
#define SX_VERSION "0.1.0"
#endif
