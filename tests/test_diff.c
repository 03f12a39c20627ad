/* test_diff.c - a stage against the real tool it mirrors, on a generated corpus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen.h"
#include "test_diff.h"

static const char *const names[] = {
	"empty", "one", "nofinal", "crlf", "nul", "utf8", "long", "binary",
	"repeat", "log"
};
#define KINDS (sizeof(names) / sizeof(names[0]))

const char *diff_corpus_path(enum diff_corpus kind)
{
	static char path[64];

	for (size_t i = 0; i < KINDS; i++)
		if (kind == 1u << i) {
			snprintf(path, sizeof(path), "corpus/%s", names[i]);
			return path;
		}
	ck_abort_msg("no corpus kind %u", (unsigned)kind);
	return NULL;
}

static void put_gen(const char *path, enum sx_gen_kind kind, size_t len,
		    unsigned seed)
{
	struct sx_gen g;
	unsigned char *buf = malloc(len);

	ck_assert_ptr_nonnull(buf);
	sx_gen_init(&g, kind, seed);
	sx_gen_fill(&g, buf, len);
	put_file(path, buf, len);
	free(buf);
}

/* Lines with NUL bytes and upper/lower case, some repeated. */
static void put_nul(const char *path)
{
	static const char data[] =
		"abc\0def\nabc\0def\nABC\0DEF\n\0\n\0\0x ERROR\0\n"
		"plain line\nplain line\n\0";

	put_file(path, data, sizeof(data) - 1);
}

static void put_utf8(const char *path)
{
	static const char data[] =
		"caf\xc3\xa9 ok\n\xff\xfe bad start\ntrunc \xe2\x82\n"
		"\xc3\x28 over \xf0\x28\x8c\x28\n\x80\x81\x82\n"
		"MiXeD \xe9t\xe9 ERROR \xc0\xaf\n\xff\n\xff\n";

	put_file(path, data, sizeof(data) - 1);
}

/* Three long lines, one holding a match in its middle, short lines
 * between, and a long last line with no newline. */
static void put_long(const char *path)
{
	static const size_t lens[] = { 150000, 300000, 100000 };
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < lens[i]; j++)
			fputc(j == lens[i] / 2 && i == 0 ? 'E' :
			      "abcdefghij klmnopqrstuvwxyz"[(j * 7 + i) % 27], f);
		if (i == 0)
			fputs("RROR tail", f);
		if (i < 2)
			fputs("\nshort\nshort\n\nlast short\n", f);
	}
	fclose(f);
}

/* Generated text lines, each repeated 1-3 times in a row, with blocks
 * repeating further on. */
static void put_repeat(const char *path, size_t len)
{
	struct sx_gen g;
	FILE *f = fopen(path, "wb");
	char line[256];
	size_t n = 0, written = 0;
	unsigned r = 7;

	ck_assert_ptr_nonnull(f);
	sx_gen_init(&g, SX_GEN_TEXT, 42);
	while (written < len) {
		unsigned char c;

		sx_gen_fill(&g, &c, 1);
		if (c != '\n' && n < sizeof(line) - 1) {
			line[n++] = (char)c;
			continue;
		}
		line[n++] = '\n';
		r = r * 1103515245u + 12345u;
		for (unsigned k = 0; k <= (r >> 16) % 3; k++) {
			fwrite(line, 1, n, f);
			written += n;
		}
		if ((r >> 20) % 5 == 0) /* a block seen earlier comes back */
			sx_gen_init(&g, SX_GEN_TEXT, 42);
		n = 0;
	}
	fclose(f);
}

void diff_corpus_make(void)
{
	struct stat sb;

	if (stat("corpus/log", &sb) == 0)
		return;
	ck_assert_int_eq(mkdir("corpus", 0777), 0);
	put_text("corpus/empty", "");
	put_text("corpus/one", "x");
	put_text("corpus/nofinal", "alpha\nbeta\n\nbeta\nBeta\n  42 apples\n-7 pears\n"
		 "3.5 plums\ngamma ERROR delta");
	put_text("corpus/crlf", "one\r\ntwo\r\n\r\nthree\rfour\r\ntwo\r\ntwo\r\n"
		 "\r\r\n\n\r\nERROR five\r\nsix");
	put_nul("corpus/nul");
	put_utf8("corpus/utf8");
	put_long("corpus/long");
	put_gen("corpus/binary", SX_GEN_BINARY, 65536, 9);
	put_repeat("corpus/repeat", 128 * 1024);
	put_gen("corpus/log", SX_GEN_LOG, 128 * 1024, 5);
}

/* Quotes s for bash inside single quotes. */
static void quote(char *dst, size_t cap, const char *s)
{
	size_t n = 0;

	dst[n++] = '\'';
	for (; *s && n + 6 < cap; s++) {
		if (*s == '\'') {
			memcpy(dst + n, "'\\''", 4);
			n += 4;
		} else {
			dst[n++] = *s;
		}
	}
	ck_assert_msg(*s == '\0', "command too long to quote");
	dst[n++] = '\'';
	dst[n] = '\0';
}

void diff_check(const struct diff_case *c)
{
	char spec[1024], files[512] = "";
	int rc;

	diff_corpus_make();
	quote(spec, sizeof(spec), c->spec);
	for (size_t i = 0; i < KINDS; i++)
		if (!(c->skip & (1u << i))) {
			strcat(files, " ");
			strcat(files, names[i]);
		}
	/* Buffers of 1 and 7 bytes cost a system call or a stage call per
	 * byte or few: they run over the first 16 KiB of each file (the
	 * whole of most; prepared after the cut, so that a decoder sees a
	 * whole stream), the other sizes over all of it. */
	rc = sh("export LC_ALL=C; spec=%s\n"
		"check() { # INPUT RUN...\n"
		"  local in=$1 run envs; shift\n"
		"  ( %s ) < $in > ref.out 2>ref.err\n"
		"  case $? in 126|127) echo \"reference missing: $(cat ref.err)\"; exit 1;; esac\n"
		"  for run; do\n"
		"    set -- $run; envs=\n"
		"    if [ $1 = spill ]; then envs=STREAMX_LINE_MEM=1K; shift; fi\n"
		"    env $envs " SX " --$1 -b $2 \"$spec\" < $in > got.out 2>got.err ||\n"
		"      { echo \"exit $? on $f ($run): $(head -c 300 got.err)\"; exit 1; }\n"
		"    cmp -s ref.out got.out ||\n"
		"      { echo \"output differs on $f ($run): $(cmp ref.out got.out 2>&1 | head -c 200)\"; exit 1; }\n"
		"  done\n"
		"}\n"
		"for f in%s; do\n"
		"  in=corpus/$f\n"
		"  if [ -n %s ]; then %s < corpus/$f > prep.in || { echo \"prep failed on $f\"; exit 1; }; in=prep.in; fi\n"
		"  check $in 'stream 4096' 'stream 65536' 'naive 4096' 'naive 65536' \\\n"
		"      'spill stream 65536' 'spill naive 4096'\n"
		"  head -c 16384 corpus/$f > small.in\n"
		"  if [ -n %s ]; then %s < small.in > small.prep && mv small.prep small.in || exit 1; fi\n"
		"  check small.in 'stream 1' 'stream 7' 'naive 1' 'naive 7' 'spill stream 7'\n"
		"done",
		spec, c->ref, files, c->prep ? "1" : "''", c->prep ? c->prep : ":",
		c->prep ? "1" : "''", c->prep ? c->prep : ":");
	ck_assert_msg(rc == 0, "'%s' vs '%s'%s%s: %s", c->spec, c->ref,
		      c->prep ? " after " : "", c->prep ? c->prep : "",
		      captured(out_path));
}
