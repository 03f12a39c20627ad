/* report.c - printing --stats as text or as one JSON object. */
#include "report.h"

#include "error.h"
#include "util.h"

void report_take_pool(struct report *rep, const struct sx_pool *pool)
{
	rep->buffers_made = atomic_load(&pool->made);
	rep->buffers_reused = atomic_load(&pool->reused);
	rep->buffers_peak = atomic_load(&pool->peak_in_use);
}

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static double mb_per_s(const struct report *rep)
{
	return rep->seconds > 0 ? (double)rep->bytes_in / 1e6 / rep->seconds : 0;
}

static double mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

static void print_owners_text(const struct sx_mem_account *mem, FILE *f)
{
	if (!mem)
		return;
	fprintf(f, "streamx: tracked     %.1f MiB at peak", mib(atomic_load(&mem->peak)));
	if (mem->limit)
		fprintf(f, " (limit %.1f MiB)", mib(mem->limit));
	fputc('\n', f);
	for (unsigned i = 0; i < sx_mem_owner_count(mem); i++) {
		const struct sx_mem_owner *o = &mem->owners[i];

		fprintf(f, "streamx:   %-24s peak %10.1f KiB, now %.1f KiB\n", o->name,
			(double)atomic_load(&o->peak) / 1024,
			(double)atomic_load(&o->current) / 1024);
	}
}

static void print_owners_json(const struct sx_mem_account *mem, FILE *f)
{
	if (!mem)
		return;
	fprintf(f, ",\"tracked_peak_bytes\":%zu,\"mem_limit\":%zu,\"owners\":[",
		(size_t)atomic_load(&mem->peak), mem->limit);
	for (unsigned i = 0; i < sx_mem_owner_count(mem); i++) {
		const struct sx_mem_owner *o = &mem->owners[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		json_string(f, o->name);
		fprintf(f, ",\"peak_bytes\":%zu,\"current_bytes\":%zu,\"allocs\":%llu}",
			(size_t)atomic_load(&o->peak), (size_t)atomic_load(&o->current),
			(unsigned long long)atomic_load(&o->allocs));
	}
	fputc(']', f);
}

static void print_text(const struct report *rep, uint64_t rss, uint64_t peak,
		       FILE *f)
{
	fprintf(f, "streamx: mode        %s\n", rep->naive ? "naive" : "stream");
	fprintf(f, "streamx: pipeline    %s (%zu stage%s)\n", rep->pipeline,
		rep->stages, rep->stages == 1 ? "" : "s");
	if (!rep->naive)
		fprintf(f, "streamx: buffers     %u of %zu bytes (%u reused, %u in use at most)\n",
			rep->buffers_made, rep->buffer_size, rep->buffers_reused,
			rep->buffers_peak);
	fprintf(f, "streamx: bytes in    %llu\n", (unsigned long long)rep->bytes_in);
	fprintf(f, "streamx: bytes out   %llu\n", (unsigned long long)rep->bytes_out);
	fprintf(f, "streamx: time        %.3f s\n", rep->seconds);
	fprintf(f, "streamx: throughput  %.1f MB/s\n", mb_per_s(rep));
	fprintf(f, "streamx: peak RSS    %.1f MiB (now %.1f MiB)\n", mib(peak), mib(rss));
	print_owners_text(rep->mem, f);
	if (rep->status < 0)
		fprintf(f, "streamx: status      %s\n", sx_status_name(rep->status));
}

static void print_json(const struct report *rep, uint64_t rss, uint64_t peak,
		       FILE *f)
{
	fputs("{\"mode\":", f);
	json_string(f, rep->naive ? "naive" : "stream");
	fputs(",\"pipeline\":", f);
	json_string(f, rep->pipeline);
	fprintf(f, ",\"stages\":%zu,\"buffer_size\":%zu,\"buffers_made\":%u,"
		"\"buffers_reused\":%u,\"buffers_peak_in_use\":%u,"
		"\"bytes_in\":%llu,\"bytes_out\":%llu,\"seconds\":%.6f,"
		"\"throughput_mb_s\":%.3f,\"rss_bytes\":%llu,\"rss_peak_bytes\":%llu,"
		"\"status\":",
		rep->stages, rep->buffer_size, rep->buffers_made, rep->buffers_reused,
		rep->buffers_peak, (unsigned long long)rep->bytes_in,
		(unsigned long long)rep->bytes_out, rep->seconds, mb_per_s(rep),
		(unsigned long long)rss, (unsigned long long)peak);
	json_string(f, sx_status_name(rep->status));
	print_owners_json(rep->mem, f);
	fputs("}\n", f);
}

void report_hadoop_counters(const struct report *rep, FILE *f)
{
	uint64_t rss = 0, peak = 0;

	sx_mem_rss(&rss, &peak);
	fprintf(f, "reporter:counter:streamx,runs,1\n");
	fprintf(f, "reporter:counter:streamx,failed_runs,%d\n", rep->status < 0);
	fprintf(f, "reporter:counter:streamx,bytes_in,%llu\n",
		(unsigned long long)rep->bytes_in);
	fprintf(f, "reporter:counter:streamx,bytes_out,%llu\n",
		(unsigned long long)rep->bytes_out);
	fprintf(f, "reporter:counter:streamx,milliseconds,%llu\n",
		(unsigned long long)(rep->seconds * 1000));
	fprintf(f, "reporter:counter:streamx,rss_peak_kib,%llu\n",
		(unsigned long long)(peak / 1024));
	fflush(f);
}

void report_print(const struct report *rep, enum stats_format format, FILE *f)
{
	uint64_t rss = 0, peak = 0;

	sx_mem_rss(&rss, &peak);
	if (format == STATS_JSON)
		print_json(rep, rss, peak, f);
	else if (format == STATS_TEXT)
		print_text(rep, rss, peak, f);
	fflush(f);
}
