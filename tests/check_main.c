/* check_main.c - the test runner: every suite, one summary line at the end. */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(pool_suite());
	int failed;

	srunner_add_suite(sr, mem_suite());
	srunner_add_suite(sr, spec_suite());
	srunner_add_suite(sr, registry_suite());
	srunner_add_suite(sr, util_suite());
	srunner_add_suite(sr, gen_suite());
	srunner_add_suite(sr, opts_suite());
	srunner_add_suite(sr, count_suite());
	srunner_add_suite(sr, text_suite());
	srunner_add_suite(sr, lines_suite());
	srunner_add_suite(sr, codec_suite());
	srunner_add_suite(sr, crc32_suite());
	srunner_add_suite(sr, pgzip_suite());
	srunner_add_suite(sr, inflate_suite());
	srunner_add_suite(sr, sort_suite());
	srunner_add_suite(sr, stages_suite());
	srunner_add_suite(sr, pipeline_suite());
	srunner_add_suite(sr, threads_suite());
	srunner_add_suite(sr, zerocopy_suite());
	srunner_add_suite(sr, memory_suite());
	srunner_add_suite(sr, compare_suite());
	srunner_add_suite(sr, memwatch_suite());
	srunner_add_suite(sr, batch_suite());
	srunner_add_suite(sr, progress_suite());
	srunner_add_suite(sr, finish_suite());
	srunner_add_suite(sr, cli_suite());
	srunner_add_suite(sr, plugin_suite());
	srunner_add_suite(sr, chains_suite());
	srunner_add_suite(sr, hostile_suite());
	srunner_add_suite(sr, faults_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
