/* test_diff.h - a stage against the real tool it mirrors, on a generated corpus. */
#ifndef SX_TESTS_TEST_DIFF_H
#define SX_TESTS_TEST_DIFF_H

#include "test_sh.h"

/*
 * The corpus is written at test time into ./corpus/ of the test's
 * directory (see test_sh.h), one file per kind below. diff_check() runs
 * the reference command (under bash, LC_ALL=C, reading the file on
 * stdin) and streamx in --stream and --naive mode at buffer sizes 4096
 * and 65536 over each file and 1 and 7 over its first 16 KiB (the whole
 * of most files; a system call per byte over a long file adds time, not
 * cases), and again with STREAMX_LINE_MEM=1K (lines past 1 KiB spill to
 * temporary files); every output must equal the reference's byte for
 * byte, and every streamx run must exit 0.
 */
enum diff_corpus {
	DIFF_EMPTY = 1 << 0,    /* no bytes */
	DIFF_ONE = 1 << 1,      /* one byte, no newline */
	DIFF_NOFINAL = 1 << 2,  /* short lines, no final newline */
	DIFF_CRLF = 1 << 3,     /* CRLF lines, a lone CR, blank lines */
	DIFF_NUL = 1 << 4,      /* lines holding NUL bytes */
	DIFF_UTF8 = 1 << 5,     /* invalid UTF-8 and high bytes */
	DIFF_LONG = 1 << 6,     /* lines of 100 KB to 300 KB */
	DIFF_BINARY = 1 << 7,   /* random bytes */
	DIFF_REPEAT = 1 << 8,   /* large repetitive text, adjacent duplicates */
	DIFF_LOG = 1 << 9,      /* generated access-log lines */
	DIFF_ALL = (1 << 10) - 1
};

struct diff_case {
	const char *spec;  /* the streamx pipeline */
	const char *ref;   /* the reference command: stdin -> stdout */
	const char *prep;  /* NULL, or a command making the input from a corpus
			    * file (stdin -> stdout), e.g. "base64" for base64 -d */
	unsigned skip;     /* corpus kinds left out (say why where it is set) */
};

/* Writes ./corpus/ (once per test process). */
void diff_corpus_make(void);

/* The corpus file of one kind, e.g. "corpus/crlf". */
const char *diff_corpus_path(enum diff_corpus kind);

/* Runs the comparison described above; fails the test on a difference,
 * naming the corpus file, mode and buffer size. */
void diff_check(const struct diff_case *c);

#endif
