/* check_chains.c - whole pipelines of stages against the shell pipelines of the real tools. */
#include <string.h>

#include "suites.h"
#include "test_diff.h"

/*
 * One streamx pipeline against the same work done by a shell pipeline of
 * the tools each stage mirrors, over the generated corpus, in both modes
 * and at every buffer size (see test_diff.h). Round trips through an
 * encoder and its decoder must give the corpus back.
 */
static const struct diff_case chains[] = {
	/* streamx's gzip writes what pigz -n writes (with threads: pigz -p 1
	 * differs at levels 1 to 3) */
	{ "gunzip | grep -v x | sort | uniq -c | gzip",
	  "gzip -dc | grep -av x | sort | uniq -c | pigz -n -p 2 -c", "gzip -c", 0 },
	{ "gunzip | grep -v x | sort | uniq -c | gzip | gunzip",
	  "gzip -dc | grep -av x | sort | uniq -c", "gzip -c", 0 },
	{ "gunzip | grep -v x | sort | uniq -c", "gzip -dc | grep -av x | sort | uniq -c",
	  "gzip -c", 0 },
	{ "gunzip | grep ERROR | head -n 5 | nl", "gzip -dc | grep -a ERROR | head -n 5 | nl -ba",
	  "gzip -9 -c", 0 },
	{ "lf | tr -s ' ' | sort -r | uniq | wc", "dos2unix -f | tr -s ' ' | sort -r | uniq | wc", NULL, 0 },
	{ "grep -i error | upper | replace ERROR E | tail -n 3",
	  "grep -ai error | tr a-z A-Z | sed s/ERROR/E/g | tail -n 3", NULL, 0 },
	{ "sort -u | dedup | sha256", "sort -u | sha256sum", NULL, 0 },
	{ "tee copy | crc32", "python3 -c 'import sys,zlib; print(format(zlib.crc32(sys.stdin.buffer.read()), \"08x\"))'",
	  NULL, 0 },
	{ "rot13 | rot13 | base64 | base64 -d | hex | hex -d | cat", "cat", NULL, 0 },
	{ "zlib -1 | unzlib | deflate -9 | inflate | gzip | gunzip", "cat", NULL, 0 },
	{ "crlf | lf | nl | tail -c 100", "unix2dos -f | dos2unix -f | nl -ba | tail -c 100", NULL, 0 },
	{ "base64 -w 0 | wc -c", "base64 -w 0 | wc -c", NULL, 0 },
	{ "head -c 1000 | hex | head -n 3", "head -c 1000 | xxd -p | head -n 3", NULL, 0 },
};

START_TEST(test_chain_vs_shell)
{
	diff_check(&chains[_i]);
}
END_TEST

/* The chains that decompress, for the run on zlib. */
static size_t inflating[sizeof(chains) / sizeof(chains[0])], ninflating;

START_TEST(test_inflating_chain_vs_shell)
{
	diff_check(&chains[inflating[_i]]);
}
END_TEST

Suite *chains_suite(void)
{
	Suite *s = suite_create("chains");
	TCase *tc = sh_tcase(s, "chains");

	tcase_add_loop_test(tc, test_chain_vs_shell, 0,
			    (int)(sizeof(chains) / sizeof(chains[0])));
	if (isal_built_in()) { /* ISA-L inflates by default: zlib too */
		tc = sh_tcase(s, "chains_zlib");
		inflate_on_zlib(tc);
		ninflating = 0;
		for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++)
			if (strstr(chains[i].spec, "gunzip") || strstr(chains[i].spec, "unzlib") ||
			    strstr(chains[i].spec, "inflate"))
				inflating[ninflating++] = i;
		tcase_add_loop_test(tc, test_inflating_chain_vs_shell, 0, (int)ninflating);
	}
	return s;
}
