/* check_text.c - rot13, tr, replace, crlf and lf: chunk boundaries, the real tools, errors, memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "test_diff.h"

/*
 * In process: every stage at every chunking on inputs whose interesting
 * bytes (a squeezed run, a CR before an LF, a match of replace, a byte
 * order mark) fall across chunk boundaries; replace also against a plain
 * reference search on adversarial and random inputs.
 *
 * Against the tools (diff_check, LC_ALL=C): rot13 and tr against GNU tr,
 * replace against sed and python3, crlf against unix2dos -f, lf against
 * dos2unix -f; then usage errors and memory through the binary.
 */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* The output of spec over in[0..len) in naive mode must be want. */
static void expect_out(const char *spec, const void *in, size_t len,
		       const void *want, size_t want_len)
{
	struct run_result r = run_naive(spec, in, len);

	ck_assert_msg(r.status == SX_OK, "%s: %s", spec, r.err.msg);
	ck_assert_msg(r.out_len == want_len &&
		      (want_len == 0 || memcmp(r.out, want, want_len) == 0),
		      "%s: got %zu bytes '%.*s', want %zu", spec, r.out_len,
		      (int)(r.out_len < 200 ? r.out_len : 200), (char *)r.out,
		      want_len);
	free(r.out);
}

#define EXPECT(spec, in, want) \
	expect_out(spec, in, sizeof(in) - 1, want, sizeof(want) - 1)

/* Leftmost, non-overlapping replacement by a plain scan: the reference. */
static unsigned char *ref_replace(const unsigned char *in, size_t n,
				  const unsigned char *from, size_t m,
				  const unsigned char *to, size_t tn, size_t *out_len)
{
	unsigned char *out = malloc(n * (tn + 1) + 1);
	size_t o = 0, i = 0;

	ck_assert_ptr_nonnull(out);
	while (i < n) {
		if (i + m <= n && memcmp(in + i, from, m) == 0) {
			memcpy(out + o, to, tn);
			o += tn;
			i += m;
		} else {
			out[o++] = in[i++];
		}
	}
	*out_len = o;
	return out;
}

/* "replace '\xHH...' '\xHH...'": any bytes, through the stage's escapes. */
static char *replace_spec(const unsigned char *from, size_t m,
			  const unsigned char *to, size_t tn)
{
	char *spec = malloc(32 + 4 * (m + tn));
	size_t n = 0;

	ck_assert_ptr_nonnull(spec);
	n += (size_t)sprintf(spec, "replace '");
	for (size_t i = 0; i < m; i++)
		n += (size_t)sprintf(spec + n, "\\x%02x", from[i]);
	n += (size_t)sprintf(spec + n, "' '");
	for (size_t i = 0; i < tn; i++)
		n += (size_t)sprintf(spec + n, "\\x%02x", to[i]);
	sprintf(spec + n, "'");
	return spec;
}

/* replace FROM TO over in, naive and stream with reads of every size
 * from 1 to len + 1 (so a boundary falls at every offset of every match)
 * and buffers of 1, 7 and 4096 bytes, against ref_replace. */
static void check_replace(const char *from, const char *to, const char *in,
			  size_t len)
{
	static const size_t bufs[] = { 1, 7, 4096 };
	size_t m = strlen(from), tn = strlen(to), want_len;
	unsigned char *want = ref_replace((const unsigned char *)in, len,
					  (const unsigned char *)from, m,
					  (const unsigned char *)to, tn, &want_len);
	char *spec = replace_spec((const unsigned char *)from, m,
				  (const unsigned char *)to, tn);

	expect_out(spec, in, len, want, want_len);
	for (size_t chunk = 1; chunk <= len + 1; chunk++)
		for (size_t b = 0; b < N_OF(bufs); b++) {
			struct run_result r = run_stream(spec, in, len, chunk, bufs[b]);

			ck_assert_msg(r.status == SX_OK, "%s: %s", spec, r.err.msg);
			ck_assert_msg(r.out_len == want_len &&
				      (want_len == 0 || memcmp(r.out, want, want_len) == 0),
				      "replace '%s' '%s' on '%.*s', reads of %zu, buffer %zu: "
				      "got '%.*s'", from, to, (int)len, in, chunk, bufs[b],
				      (int)r.out_len, (char *)r.out);
			ck_assert_uint_eq(r.pool_out, 0);
			free(r.out);
		}
	free(spec);
	free(want);
}

/* ---- rot13 ---- */

START_TEST(test_rot13_bytes)
{
	unsigned char all[512], want[512];

	for (int i = 0; i < 512; i++) {
		unsigned char c = (unsigned char)i, f = c | 0x20;

		all[i] = c;
		want[i] = f >= 'a' && f <= 'm' ? c + 13 : f >= 'n' && f <= 'z' ? c - 13 : c;
	}
	expect_out("rot13", all, sizeof(all), want, sizeof(want));
	expect_out("rot13 | rot13", all, sizeof(all), all, sizeof(all));
	EXPECT("rot13", "Hello, World! @[`{", "Uryyb, Jbeyq! @[`{");
	assert_every_chunking("rot13", all, sizeof(all), "all bytes");
}
END_TEST

/* ---- tr ---- */

START_TEST(test_tr_maps)
{
	EXPECT("tr a-z A-Z", "hello, World\xe9!", "HELLO, WORLD\xe9!");
	EXPECT("tr abc xy", "aabbcc-d", "xxyyyy-d");
	EXPECT("tr -t abc xy", "aabbcc-d", "xxyycc-d");
	EXPECT("tr aa xy", "a", "y");
	EXPECT("tr 'a-e' '[x*2]Z'", "abcde", "xxZZZ");
	EXPECT("tr 'a-e' 'A[-*]E'", "abcde", "A---E");
	EXPECT("tr -c 'a-z' '_'", "ab C\n", "ab___");
	EXPECT("tr -C 'a-z' '_'", "ab C\n", "ab___");
	EXPECT("tr --complement --truncate-set1 'b-z' 'XY'", "\001\002a", "Y\002a");
	EXPECT("tr '[:xdigit:]' X", "0aFgG", "XXXgG");
	EXPECT("tr '\\n\\t\\\\' 'NT/'", "a\nb\tc\\", "aNbTc/");
	EXPECT("tr '\\101-\\103' x", "ABCD", "xxxD");
	EXPECT("tr '[:lower:][:upper:]' '[:upper:][:lower:]'", "aBc", "AbC");
	EXPECT("tr '\\-\\[' '+('", "-[a]", "+(a]");
	EXPECT("tr a- xy", "a-b", "xyb");
}
END_TEST

START_TEST(test_tr_delete_squeeze)
{
	EXPECT("tr -d '[:digit:]'", "a1b22c333", "abc");
	EXPECT("tr -cd 'a-c\\n'", "a1b2c\n!", "abc\n");
	EXPECT("tr -s ' '", "a  b   c ", "a b c ");
	EXPECT("tr -s a-z", "aabbccAAbb", "abcAAb");
	EXPECT("tr -s a-z A-Z", "aabbcc", "ABC");
	EXPECT("tr -ds 0-9 ' '", "1 2  3   x  ", " x ");
	EXPECT("tr -cs 'a-z' '\\n'", "one, two;; three", "one\ntwo\nthree");
	EXPECT("tr -s '\\000'", "a\0\0\0b", "a\0b");
	EXPECT("tr -s ''", "aa", "aa");
}
END_TEST

/* Runs and repeated bytes across every boundary, in every mode of the
 * stage (map, shifted range, delete, squeeze, both). */
START_TEST(test_tr_chunking)
{
	static const char *const specs[] = {
		"tr a-z A-Z", "tr A-Z a-z", "tr 'a-zA-Z' 'n-za-mN-ZA-M'",
		"tr -d '[:space:]'", "tr -s ' \\n'", "tr -s a-z A-Z",
		"tr -ds '[:digit:]' '[:alpha:]'", "tr -cs '[:alpha:]' '[\\n*]'",
		"tr -c '[:print:]' '?'", "tr '\\000-\\377' '\\001-\\377\\000'",
		"tr -s '\\000-\\377'",
	};
	unsigned char in[1200];
	size_t n = 0;

	for (int i = 0; i < 256; i++)
		in[n++] = (unsigned char)i;
	while (n < sizeof(in)) {
		static const char runs[] = "aaaa    bbbb\n\n\n\nCC  12 3333 xyz\t\t..";
		size_t k = sizeof(runs) - 1 < sizeof(in) - n ? sizeof(runs) - 1 : sizeof(in) - n;

		memcpy(in + n, runs, k);
		n += k;
	}
	assert_every_chunking(specs[_i], in, n, "runs and all bytes");
}
END_TEST

/* ---- replace ---- */

START_TEST(test_replace_basic)
{
	EXPECT("replace ab X", "abcab", "XcX");
	EXPECT("replace aab X", "aaab", "aX");
	EXPECT("replace aa X", "aaaaa", "XXa");
	EXPECT("replace a ''", "banana", "bnn");
	EXPECT("replace a aa", "aba", "aabaa");
	EXPECT("replace '\\r\\n' '\\n'", "a\r\nb\r\r\n", "a\nb\r\n");
	EXPECT("replace '\\x00' '\\\\0'", "a\0b", "a\\0b");
	EXPECT("replace '\\t' '\\xFF'", "\t", "\xff");
	EXPECT("replace -- -x y", "a-xb", "ayb");
	EXPECT("replace xyz Q", "", "");
}
END_TEST

/* Patterns that overlap themselves, each split at every offset. */
START_TEST(test_replace_adversarial)
{
	static const struct { const char *from, *to, *in; } cases[] = {
		{ "aab", "X", "aaab aab aaaab aaaaab aab" },
		{ "aaab", "-", "aaaaaaab aaab aaa" },
		{ "abab", "X", "abababab ababab abab" },
		{ "aa", "a", "aaaaaaa b aa a" },
		{ "abcabd", "#", "abcabcabd abcabd abcab" },
		{ "a", "bb", "aaa" },
		{ "\n\n", "\n", "a\n\n\nb\n\n\n\nc\n" },
		{ "xyzxyzxyz!", "", "xyzxyzxyzxyz! xyzxyzxyz!xyzxyzxyz" },
		{ "needle", "NEEDLE", "needl needle nneedle needleneedle" },
	};

	check_replace(cases[_i].from, cases[_i].to, cases[_i].in,
		      strlen(cases[_i].in));
}
END_TEST

/* Random inputs and patterns over {a, b}: every chunking against the
 * reference. */
START_TEST(test_replace_random)
{
	unsigned r = 12345u + (unsigned)_i;

	for (int t = 0; t < 25; t++) {
		char from[8], in[64];
		size_t m, n;

		r = r * 1103515245u + 12345u;
		m = 1 + (r >> 16) % 6;
		for (size_t i = 0; i < m; i++) {
			r = r * 1103515245u + 12345u;
			from[i] = "ab"[(r >> 16) & 1];
		}
		from[m] = '\0';
		r = r * 1103515245u + 12345u;
		n = (r >> 16) % 40;
		for (size_t i = 0; i < n; i++) {
			r = r * 1103515245u + 12345u;
			in[i] = "aab"[(r >> 16) % 3];
		}
		in[n] = '\0';
		check_replace(from, t % 3 ? "X" : "", in, n);
	}
}
END_TEST

/* A 4096-byte pattern (the longest allowed), longer than most reads:
 * matches made to straddle every kind of boundary. */
START_TEST(test_replace_long_pattern)
{
	size_t m = 4096, n = 5 * m + 300, want_len;
	unsigned char *from = malloc(m), *in = malloc(n), *want;
	char *spec;
	struct run_result r;

	ck_assert_ptr_nonnull(from);
	ck_assert_ptr_nonnull(in);
	for (size_t i = 0; i < m; i++)
		from[i] = (unsigned char)"abcde"[i % 5];
	for (size_t i = 0; i < n; i++)
		in[i] = (unsigned char)"abcde"[i % 5];
	in[2 * m + 7] = 'Z';  /* breaks one would-be match */
	want = ref_replace(in, n, from, m, (const unsigned char *)"<>", 2, &want_len);
	spec = replace_spec(from, m, (const unsigned char *)"<>", 2);
	ck_assert_uint_lt(want_len, n);
	expect_out(spec, in, n, want, want_len);
	assert_every_chunking(spec, in, n, "periodic text");
	r = run_stream(spec, in, n, 4095, 4096);
	ck_assert_uint_eq(r.out_len, want_len);
	ck_assert_mem_eq(r.out, want, want_len);
	free(r.out);
	free(spec);
	free(want);
	free(from);
	free(in);
}
END_TEST

/* ---- crlf and lf ---- */

START_TEST(test_crlf_lf)
{
	EXPECT("crlf", "a\nb\r\nc\rd\r\r\ne\n", "a\r\nb\r\nc\rd\r\r\r\ne\r\n");
	EXPECT("crlf", "\r\r\r\n\n", "\r\r\r\n\r\n");
	EXPECT("crlf", "\xef\xbb\xbf" "a\n", "\xef\xbb\xbf" "a\r\n");
	EXPECT("crlf -r", "\xef\xbb\xbf" "a\n", "a\r\n");
	EXPECT("crlf -r", "\xef\xbb" "a\n", "\xef\xbb" "a\r\n");
	EXPECT("lf", "a\r\nb\r\rc\r\n\r", "a\nb\r\rc\n\r");
	EXPECT("lf", "\r\r\n", "\r\n");
	EXPECT("lf", "\xef\xbb\xbf" "a\r\n", "a\n");
	EXPECT("lf", "\xef\xbb\xbf", "");
	EXPECT("lf", "\xef\xbb", "\xef\xbb");
	EXPECT("lf", "x\xef\xbb\xbf", "x\xef\xbb\xbf");
	EXPECT("lf -k", "\xef\xbb\xbf" "a\r\n", "\xef\xbb\xbf" "a\n");
	EXPECT("lf -k -r", "\xef\xbb\xbf" "a\r\n", "a\n");
	EXPECT("crlf | lf", "a\nb\r\n\n", "a\nb\n\n");
}
END_TEST

/* CRs before, at and after every boundary; the BOM split too. */
START_TEST(test_crlf_lf_chunking)
{
	static const char *const specs[] = { "crlf", "lf", "crlf -r", "lf -k", "lf | crlf" };
	static const char text[] =
		"\xef\xbb\xbf" "one\r\ntwo\n\r\n\r\r\nthree\r\r\r\nfour\rfive\r\r\r\r\n\n\n"
		"\r\n\r\n\r\r\n\n\rx\r";
	static const char partial[] = "\xef\xbb" "\r\n\r";

	assert_every_chunking(specs[_i], text, sizeof(text) - 1, "CRs and LFs");
	assert_every_chunking(specs[_i], partial, sizeof(partial) - 1, "part of a BOM");
	assert_every_chunking(specs[_i], "\r", 1, "a lone CR");
}
END_TEST

/* ---- against the real tools ---- */

static const struct diff_case tool_cases[] = {
	{ "rot13", "tr 'A-Za-z' 'N-ZA-Mn-za-m'", NULL, 0 },
	/* tr: every form against GNU tr with the same words */
	{ "tr a-z A-Z", "tr a-z A-Z", NULL, 0 },
	{ "tr 'a-zA-Z' 'n-za-mN-ZA-M'", "tr 'a-zA-Z' 'n-za-mN-ZA-M'", NULL, 0 },
	{ "tr '[:lower:]' '[:upper:]'", "tr '[:lower:]' '[:upper:]'", NULL, 0 },
	{ "tr '[:upper:][:lower:]' '[:lower:][:upper:]'",
	  "tr '[:upper:][:lower:]' '[:lower:][:upper:]'", NULL, 0 },
	{ "tr '\\n\\t\\r' '\\t\\n_'", "tr '\\n\\t\\r' '\\t\\n_'", NULL, 0 },
	{ "tr '\\000-\\037\\177' '.'", "tr '\\000-\\037\\177' '.'", NULL, 0 },
	{ "tr '\\200-\\377' '?'", "tr '\\200-\\377' '?'", NULL, 0 },
	{ "tr '\\101-\\132\\\\' 'a-z/'", "tr '\\101-\\132\\\\' 'a-z/'", NULL, 0 },
	{ "tr abcdefghij xyz", "tr abcdefghij xyz", NULL, 0 },
	{ "tr -t abcdefghij xyz", "tr -t abcdefghij xyz", NULL, 0 },
	{ "tr 'a-z' 'A[x*]Z'", "tr 'a-z' 'A[x*]Z'", NULL, 0 },
	{ "tr 'a-j' '[x*3][y*2]z'", "tr 'a-j' '[x*3][y*2]z'", NULL, 0 },
	{ "tr 'a-l' '[q*010]R'", "tr 'a-l' '[q*010]R'", NULL, 0 },
	{ "tr '[=e=][:digit:]' 'E#'", "tr '[=e=][:digit:]' 'E#'", NULL, 0 },
	{ "tr -c 'a-z' 'A-Z'", "tr -c 'a-z' 'A-Z'", NULL, 0 },
	{ "tr -c '[:print:]\\n' '?'", "tr -c '[:print:]\\n' '?'", NULL, 0 },
	{ "tr -d '\\r'", "tr -d '\\r'", NULL, 0 },
	{ "tr -d '[:digit:][:punct:]'", "tr -d '[:digit:][:punct:]'", NULL, 0 },
	{ "tr -d '[=a=]a-e\\\\'", "tr -d '[=a=]a-e\\\\'", NULL, 0 },
	{ "tr -d 'x\\'", "tr -d 'x\\'", NULL, 0 },
	{ "tr -cd '[:alnum:]\\n'", "tr -cd '[:alnum:]\\n'", NULL, 0 },
	{ "tr --delete --complement 'a-z\\n'", "tr --delete --complement 'a-z\\n'", NULL, 0 },
	{ "tr -s ' '", "tr -s ' '", NULL, 0 },
	{ "tr -s '\\n'", "tr -s '\\n'", NULL, 0 },
	{ "tr -s '[:space:]'", "tr -s '[:space:]'", NULL, 0 },
	{ "tr -s a-z A-Z", "tr -s a-z A-Z", NULL, 0 },
	{ "tr -s '[:upper:]' '[:lower:]'", "tr -s '[:upper:]' '[:lower:]'", NULL, 0 },
	{ "tr -ds '[:digit:]' '[:alpha:]'", "tr -ds '[:digit:]' '[:alpha:]'", NULL, 0 },
	{ "tr -ds '\\r' '\\n'", "tr -ds '\\r' '\\n'", NULL, 0 },
	{ "tr -cs '[:alnum:]' '\\n'", "tr -cs '[:alnum:]' '\\n'", NULL, 0 },
	{ "tr -cs '[:alpha:]' '[\\n*]'", "tr -cs '[:alpha:]' '[\\n*]'", NULL, 0 },
	{ "tr -cds 'a-z\\n' '\\n'", "tr -cds 'a-z\\n' '\\n'", NULL, 0 },
	/* replace: sed where the pattern is safe for it, else python3 */
	{ "replace ERROR FAILURE", "sed 's/ERROR/FAILURE/g'", NULL, 0 },
	{ "replace the THE", "sed 's/the/THE/g'", NULL, 0 },
	{ "replace ab ''", "sed 's/ab//g'", NULL, 0 },
	{ "replace e ee", "sed 's/e/ee/g'", NULL, 0 },
	{ "replace ' ' ''", "sed 's/ //g'", NULL, 0 },
	{ "replace GET POST", "sed 's/GET/POST/g'", NULL, 0 },
	{ "replace '\\r\\n' '\\n'",
	  "python3 -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read()"
	  ".replace(b\"\\r\\n\", b\"\\n\"))'", NULL, 0 },
	{ "replace '\\n' ' '",
	  "python3 -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read()"
	  ".replace(b\"\\n\", b\" \"))'", NULL, 0 },
	{ "replace '\\n\\n' '\\n'",
	  "python3 -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read()"
	  ".replace(b\"\\n\\n\", b\"\\n\"))'", NULL, 0 },
	{ "replace '\\x00' '<NUL>'",
	  "python3 -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read()"
	  ".replace(b\"\\x00\", b\"<NUL>\"))'", NULL, 0 },
	{ "replace '\\xff\\n' '\\t\\\\'",
	  "python3 -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read()"
	  ".replace(b\"\\xff\\n\", b\"\\t\\\\\"))'", NULL, 0 },
	{ "replace 'e\\nshort\\nshort\\n\\nlast' '[\\r]'",
	  "python3 -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read()"
	  ".replace(b\"e\\nshort\\nshort\\n\\nlast\", b\"[\\r]\"))'", NULL, 0 },
	/* crlf and lf: -f, as both tools skip files they take for binary */
	{ "crlf", "unix2dos -f", NULL, 0 },
	{ "crlf -r", "unix2dos -f -r", NULL, 0 },
	{ "lf", "dos2unix -f", NULL, 0 },
	{ "lf -k", "dos2unix -f -k", NULL, 0 },
	{ "lf | crlf", "dos2unix -f | unix2dos -f", NULL, 0 },
	{ "crlf | lf", "unix2dos -f | dos2unix -f", NULL, 0 },
};

START_TEST(test_text_vs_tools)
{
	diff_check(&tool_cases[_i]);
}
END_TEST

/* A pattern of 900 bytes cut from the long lines of corpus/long (which
 * repeat every 27 bytes), so that it matches many times, and is longer
 * than reads of 1 and 7 bytes, against sed. */
START_TEST(test_replace_long_vs_sed)
{
	static char spec[1000], ref[1000];
	char pat[901];
	struct diff_case c = { spec, ref, NULL, 0 };

	for (size_t j = 0; j < 900; j++)
		pat[j] = "abcdefghij klmnopqrstuvwxyz"[(j * 7 + 27 * 3) % 27];
	pat[900] = '\0';
	snprintf(spec, sizeof(spec), "replace '%s' '<&>'", pat);
	snprintf(ref, sizeof(ref), "sed 's/%s/<\\&>/g'", pat);
	diff_check(&c);
}
END_TEST

/* The longest pattern, 4096 bytes, through the binary against python3
 * on a long line holding it over and over, at several buffer sizes. */
START_TEST(test_replace_4096_binary)
{
	ok("python3 -c 'import sys; sys.stdout.write(\"abcdefghij\" * 410)' | head -c 4096 > pat");
	ok("for i in $(seq 300); do printf 'x%%.0s' $(seq $i); cat pat pat; done > in");
	ok("python3 -c 'import sys; p=open(\"pat\",\"rb\").read(); "
	   "sys.stdout.buffer.write(sys.stdin.buffer.read().replace(p, b\"#\"))' < in > want");
	for (int b = 0; b < 4; b++) {
		static const char *const bufs[] = { "1", "4095", "4097", "64K" };

		ok(SX " -b %s \"replace $(cat pat) '#'\" < in > got && cmp got want", bufs[b]);
		ok(SX " --naive \"replace $(cat pat) '#'\" < in | cmp - want");
	}
	fails(2, "at most 4096", SX " \"replace x$(cat pat) y\" < /dev/null");
}
END_TEST

/* ---- through the binary: usage errors, quoting, memory ---- */

static const struct {
	const char *spec, *needle;
} usage_cases[] = {
	{ "tr", "tr (stage 1): missing operand" },
	{ "tr a", "missing operand after 'a': two strings must be given when translating" },
	{ "tr -ds a", "two strings must be given when both deleting and squeezing repeats" },
	{ "tr -d a b", "extra operand 'b': only one string may be given when deleting" },
	{ "tr -s a b c", "extra operand 'c'" },
	{ "tr -x a b", "unknown option '-x'" },
	{ "tr --bogus a b", "unknown option '--bogus'" },
	{ "tr z-a x", "range-endpoints of 'z-a' are in reverse collating sequence order" },
	{ "tr '[:foo:]' x", "invalid character class 'foo'" },
	{ "tr '[::]' x", "missing character class name '[::]'" },
	{ "tr '[=ab=]' x", "ab: equivalence class operand must be a single character" },
	{ "tr a ''", "string2 must be non-empty" },
	{ "tr '[a*]' x", "may not appear in string1" },
	{ "tr ab '[x*][y*]'", "only one [c*] repeat construct" },
	{ "tr -ds a '[x*]'", "may appear in string2 only when translating" },
	{ "tr a '[=b=]'", "[=c=] expressions may not appear in string2" },
	{ "tr a '[:digit:]'", "only character classes that may appear" },
	{ "tr a-z '[:upper:]'", "misaligned [:upper:] and/or [:lower:] construct" },
	{ "tr '[:upper:]x' '[:lower:]'", "must not end with a character class" },
	{ "tr -c '[:alpha:]' xy", "complemented character classes" },
	{ "tr a '[x*y]'", "invalid repeat count 'y' in [c*n] construct" },
	{ "replace", "replace (stage 1): missing operand" },
	{ "replace a", "missing operand" },
	{ "replace a b c", "extra operand 'c'" },
	{ "replace '' x", "FROM is empty" },
	{ "replace '\\q' x", "unknown escape '\\q'" },
	{ "replace a 'b\\x4g'", "TO: \\x needs two hex digits" },
	{ "replace 'a\\' x", "backslash at the end" },
	{ "replace -a b c", "unknown option '-a'" },
	{ "crlf -z", "crlf (stage 1): unknown option '-z'" },
	{ "crlf x", "extra operand 'x'" },
	{ "lf x", "lf (stage 1): extra operand 'x'" },
	{ "rot13 x", "rot13 (stage 1): takes no arguments" },
};

START_TEST(test_usage_errors)
{
	fails(2, usage_cases[_i].needle, SX " \"%s\" < /dev/null > out",
	      usage_cases[_i].spec);
	ck_assert_int_eq(file_size("out"), 0);
}
END_TEST

/* How a backslash reaches tr through a pipeline spec: single quotes keep
 * it, double quotes keep it before anything but " and \, a bare one
 * escapes the next character. */
START_TEST(test_spec_backslashes)
{
	put_text("in", "crab\r\nrr\n");
	ok(SX " \"tr -d '\\r'\" < in > a && printf 'crab\\nrr\\n' | cmp - a");
	ok(SX " 'tr -d \"\\r\"' < in > b && cmp a b");
	ok(SX " 'tr -d \\\\r' < in > c && cmp a c");
	ok(SX " 'tr -d \\r' < in > d && printf 'cab\\r\\n\\n' | cmp - d");
	ok(SX " 'replace \"\\r\\n\" \"\\n\"' < in | cmp - a");
}
END_TEST

/* The stage's own tracked memory and the process's peak RSS stay put
 * from 1 MiB to 64 MiB of input, for each stage that holds anything. */
static void stats_of(const char *spec, const char *size, long long *stage_peak,
		     long long *rss)
{
	const char *at, *err;

	ok(SX " gen --size %s --kind text | tr -d '\\n' | "
	   SX " --stats=json \"%s\" 2> stats > /dev/null", size, spec);
	err = slurp("stats", NULL);
	ck_assert_ptr_nonnull(err);
	at = strstr(err, "(stage 1)\",\"peak_bytes\":");
	ck_assert_msg(at != NULL, "no stage owner in %s", err);
	*stage_peak = atoll(at + strlen("(stage 1)\",\"peak_bytes\":"));
	at = strstr(err, "\"rss_peak_bytes\":");
	ck_assert_ptr_nonnull(at);
	*rss = atoll(at + strlen("\"rss_peak_bytes\":"));
	free((void *)err);
}

static const char *const memory_specs[] = {
	"replace 'the quick brown fox jumps over the lazy dog, twice over' X",
	"replace e E", "tr -s 'a-z '", "tr -d aeiou", "crlf", "lf", "rot13",
};

START_TEST(test_memory_bounded)
{
	long long small_peak, small_rss, big_peak, big_rss;

	stats_of(memory_specs[_i], "1M", &small_peak, &small_rss);
	stats_of(memory_specs[_i], "64M", &big_peak, &big_rss);
	ck_assert_msg(big_peak == small_peak && big_peak < 4096,
		      "'%s': stage peak %lld bytes at 1 MiB, %lld at 64 MiB",
		      memory_specs[_i], small_peak, big_peak);
	ck_assert_msg(big_rss < small_rss + (1 << 20),
		      "'%s': peak RSS %lld at 1 MiB, %lld at 64 MiB",
		      memory_specs[_i], small_rss, big_rss);
}
END_TEST

/* A 4096-byte pattern that never matches, over a 64 MiB line of what it
 * almost is (the worst case for a rescanning search): the stage holds the
 * pattern and its KMP table, nothing more. */
START_TEST(test_memory_long_pattern)
{
	const char *err;
	const char *at;

	ok("head -c 4095 /dev/zero | tr '\\0' a > pat; printf b >> pat");
	ok("head -c 64M /dev/zero | tr '\\0' a | "
	   SX " --stats=json \"replace $(cat pat) X\" 2> stats | cmp - <(head -c 64M /dev/zero | tr '\\0' a)");
	err = slurp("stats", NULL);
	ck_assert_ptr_nonnull(err);
	at = strstr(err, "(stage 1)\",\"peak_bytes\":");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_le(atoll(at + strlen("(stage 1)\",\"peak_bytes\":")),
			 4 * 4096);
	free((void *)err);
}
END_TEST

Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *unit = tcase_create("in process");
	TCase *tools, *cli;

	tcase_set_timeout(unit, 120);
	tcase_add_test(unit, test_rot13_bytes);
	tcase_add_test(unit, test_tr_maps);
	tcase_add_test(unit, test_tr_delete_squeeze);
	tcase_add_loop_test(unit, test_tr_chunking, 0, 11);
	tcase_add_test(unit, test_replace_basic);
	tcase_add_loop_test(unit, test_replace_adversarial, 0, 9);
	tcase_add_loop_test(unit, test_replace_random, 0, 8);
	tcase_add_test(unit, test_replace_long_pattern);
	tcase_add_test(unit, test_crlf_lf);
	tcase_add_loop_test(unit, test_crlf_lf_chunking, 0, 5);
	suite_add_tcase(s, unit);

	tools = sh_tcase(s, "tools");
	tcase_add_loop_test(tools, test_text_vs_tools, 0, (int)N_OF(tool_cases));
	tcase_add_test(tools, test_replace_long_vs_sed);
	tcase_add_test(tools, test_replace_4096_binary);

	cli = sh_tcase(s, "cli");
	tcase_add_loop_test(cli, test_usage_errors, 0, (int)N_OF(usage_cases));
	tcase_add_test(cli, test_spec_backslashes);
	tcase_add_loop_test(cli, test_memory_bounded, 0, (int)N_OF(memory_specs));
	tcase_add_test(cli, test_memory_long_pattern);
	return s;
}
