/* svg.h - line charts as one self-contained SVG file: axes, ticks, legend, no scripts. */
#ifndef SX_CMD_SVG_H
#define SX_CMD_SVG_H

#include <stddef.h>
#include <stdio.h>

/*
 * A chart is a title over one or more panels stacked top to bottom. Each
 * panel plots its series against shared axes: linear axes start at 0 and
 * end at a round number above the largest value; log axes (base 2) run
 * between the powers of two around the data, and points that are not
 * positive are left out. The caller owns every array and string; nothing is kept after
 * svg_write returns. Text uses the generic sans-serif family only, so the
 * file needs nothing beside itself to be displayed.
 */
struct svg_series {
	const char *name;      /* legend text */
	const char *color;     /* CSS color, e.g. "#d62728" */
	const double *x, *y;   /* n points, in drawing order */
	size_t n;
	int markers;           /* a dot at each point as well as the line */
};

struct svg_panel {
	const char *title;
	const char *x_label, *y_label;  /* with their units: "time (s)" */
	int x_log, y_log;               /* base 2 */
	/* writes the label of an x tick; NULL: the number as it is */
	void (*x_tick)(char *buf, size_t size, double value);
	const struct svg_series *series;
	size_t nseries;
	const char *empty_note;         /* shown when no series has a point */
};

/* Writes the whole document to f. Returns 0, or -1 when f reports a write
 * error (errno as the failing call left it); f stays open either way. */
int svg_write(FILE *f, const char *title, const struct svg_panel *panels,
	      size_t npanels);

#endif
