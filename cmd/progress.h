/* progress.h - a pv-style progress line on stderr for long runs and batches. */
#ifndef SX_CMD_PROGRESS_H
#define SX_CMD_PROGRESS_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * One line on stderr, redrawn in place (carriage return) at most a few
 * times a second from a thread of its own, and erased when it stops, so it
 * never mixes into stdout or leaves debris above the next prompt. Shown
 * when stderr is a terminal (PROGRESS_AUTO), always (PROGRESS_ON,
 * --progress) or never (PROGRESS_OFF, --no-progress).
 *
 * A single run shows bytes done, rate and elapsed time, and the percent
 * and ETA when the total is known. A batch shows files done of total, the
 * bytes of finished files, rate, elapsed, and the files in flight.
 */
enum progress_mode { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };

struct progress;

/* Starts a display for one run reading *done bytes of total (-1: unknown).
 * label names the input. Returns NULL when the display is off (not a
 * terminal, PROGRESS_OFF) or cannot start: callers need not care. */
struct progress *progress_start_run(enum progress_mode mode, const char *label,
				    const atomic_uint_fast64_t *done,
				    int64_t total);

/* Starts a display for a batch of files_total files holding bytes_total
 * bytes. NULL as above. */
struct progress *progress_start_batch(enum progress_mode mode,
				      unsigned files_total, uint64_t bytes_total);

/* Tells a batch display where it stands: files and bytes finished (done,
 * failed or skipped) and the names of the files in flight, comma
 * separated (copied). NULL p is ignored. */
void progress_batch_update(struct progress *p, unsigned files_done,
			   uint64_t bytes_done, const char *in_flight);

/* Stops the thread, erases the line and frees p. NULL is ignored. */
void progress_stop(struct progress *p);

#endif
