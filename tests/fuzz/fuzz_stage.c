/* fuzz_stage.c - one decoder (FZ_SPEC) on damaged input: no crash, and stream mode agrees with naive mode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "inflate_isal.h"

/*
 * Built once per decoder: -DFZ_SPEC='"gunzip"' and so on. With
 * -DFZ_ENGINE='"isa-l"' or '"zlib"' the inflate engine is fixed
 * (STREAMX_INFLATE); with ISA-L the result is also compared with zlib's:
 * the two engines must accept the same data and give the same bytes
 * (but for the difference of known_difference).
 *
 * Input: three bytes that pick the reads, the buffer size and the
 * thread count of the stream run, then the data.
 */

#ifndef FZ_SPEC
#error "FZ_SPEC names the stage to fuzz"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
#ifdef FZ_ENGINE
	{
		int use_isal;

		setenv("STREAMX_INFLATE", FZ_ENGINE, 1);
		FZ_CHECK(sx_isal_inflate_choice(&use_isal) == NULL);
		FZ_CHECK(use_isal == (strcmp(FZ_ENGINE, "isa-l") == 0));
	}
#endif
	return 0;
}

#ifdef FZ_ENGINE
/*
 * ISA-L decodes a block whose code lengths make an incomplete Huffman
 * code, as long as the data uses only the codes there are; zlib refuses
 * the block ("invalid distances set"). That difference is known and let
 * pass: any other is a failure.
 */
static int known_difference(const struct fz_run *isal, const struct fz_run *zlib)
{
	return isal->status >= 0 && zlib->status < 0 &&
	       (strstr(zlib->err.msg, "invalid distances set") ||
		strstr(zlib->err.msg, "invalid literal/lengths set") ||
		strstr(zlib->err.msg, "invalid code lengths set"));
}

/* ISA-L against zlib, both in naive mode. */
static void same_engines(const uint8_t *p, size_t len)
{
	struct fz_run isal, zlib;

	fz_run(&isal, FZ_SPEC, p, len, NULL);
	setenv("STREAMX_INFLATE", "zlib", 1);
	fz_run(&zlib, FZ_SPEC, p, len, NULL);
	setenv("STREAMX_INFLATE", FZ_ENGINE, 1);
	if (known_difference(&isal, &zlib))
		;
	else if ((isal.status < 0) != (zlib.status < 0) ||
	    (isal.status >= 0 && (isal.out_len != zlib.out_len ||
				  (isal.out_len && memcmp(isal.out, zlib.out, isal.out_len))))) {
		fprintf(stderr, "'%s' on %zu bytes: ISA-L %d (%s) %zu bytes, zlib %d (%s) %zu bytes\n",
			FZ_SPEC, len, isal.status, isal.err.msg, isal.out_len,
			zlib.status, zlib.err.msg, zlib.out_len);
		abort();
	}
	fz_run_free(&isal);
	fz_run_free(&zlib);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in = { data, size };
	struct fz_shape shape;

	fz_shape_take(&shape, &in, 1);
	fz_same(FZ_SPEC, in.p, in.len, &shape, 0);
#ifdef FZ_ENGINE
	if (strcmp(FZ_ENGINE, "isa-l") == 0)
		same_engines(in.p, in.len);
#endif
	return 0;
}
