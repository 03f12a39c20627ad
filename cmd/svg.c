/* svg.c - line charts written as self-contained SVG: no scripts, no external fonts. */
#include "svg.h"

#include <math.h>
#include <string.h>

/*
 * Geometry in SVG user units (pixels at 100%). Each panel is a title line,
 * a legend line, the plot frame, then tick labels and the axis label
 * under it; the y label is turned on its side to the left of the frame.
 * Log axes are base 2, ticked at powers of two: the sizes we plot are
 * powers of two (1M, 16M, 1G) and memory is read in MiB.
 */
#define WIDTH 860
#define TITLE_H 44
#define PANEL_H 400
#define LEFT 84
#define RIGHT 28
#define PLOT_TOP 66
#define PLOT_BOTTOM 58   /* from the panel's bottom edge */
#define MAX_TICKS 12
#define LN2 0.69314718055994530942

struct axis {
	int log;
	double lo, hi;       /* values at the two ends */
	double step;         /* linear: value between ticks; log: factor */
	double pos0, pos1;   /* pixel positions of lo and hi */
};

/* The build links zlib and libc only, so no libm: a natural log from
 * x = m * 2^k with m in [1, 2), and ln m = 2 atanh((m - 1) / (m + 1)) by
 * its series, which at |z| <= 1/3 is exact to double precision within
 * 20 terms. x must be positive and finite. */
static double ln(double x)
{
	double z, z2, term, sum = 0;
	int k = 0;

	while (x >= 2) {
		x /= 2;
		k++;
	}
	while (x < 1) {
		x *= 2;
		k--;
	}
	z = (x - 1) / (x + 1);
	z2 = z * z;
	term = z;
	for (int i = 1; i < 40; i += 2) {
		sum += term / i;
		term *= z2;
	}
	return 2 * sum + k * LN2;
}

static double ceil_div(double v, double step)
{
	double n = (double)(long long)(v / step);

	return n * step < v ? (n + 1) * step : n * step;
}

/* Linear, from 0 to a round number at or above max, ticked at 1, 2 or 5
 * times a power of ten. */
static void linear_range(struct axis *a, double max)
{
	double raw, mag = 1, norm;

	if (!(max > 0) || !isfinite(max))
		max = 1;
	raw = max / 5;
	while (mag * 10 <= raw)
		mag *= 10;
	while (mag > raw)
		mag /= 10;
	norm = raw / mag;
	a->step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
	a->lo = 0;
	a->hi = ceil_div(max, a->step);
}

/* Base 2, from the power of two at or below min to the one at or above
 * max; ticks at every power, or every 2nd, 4th... when there are many. */
static void log_range(struct axis *a, double min, double max)
{
	int count = 0;

	if (!(max > 0) || !isfinite(max))
		max = 1;
	if (!(min > 0) || min > max)
		min = max;
	a->lo = 1;
	while (a->lo > min)
		a->lo /= 2;
	while (a->lo * 2 <= min)
		a->lo *= 2;
	a->hi = a->lo;
	while (a->hi < max) {
		a->hi *= 2;
		count++;
	}
	if (count == 0) {
		a->lo /= 2;
		a->hi *= 2;
		count = 2;
	}
	a->step = 2;
	while (count > MAX_TICKS) {
		a->step *= a->step;
		count /= 2;
	}
}

static double axis_pos(const struct axis *a, double v)
{
	double f;

	if (a->log)
		f = (ln(v) - ln(a->lo)) / (ln(a->hi) - ln(a->lo));
	else
		f = (v - a->lo) / (a->hi - a->lo);
	return a->pos0 + f * (a->pos1 - a->pos0);
}

static int plottable(const struct axis *a, double v)
{
	return isfinite(v) && (!a->log || v > 0);
}

/* The range of one coordinate (0: x, 1: y) over every series. */
static void fit_axis(struct axis *a, const struct svg_panel *p, int y)
{
	double min = 0, max = 0;
	int seen = 0;

	for (size_t s = 0; s < p->nseries; s++) {
		const double *v = y ? p->series[s].y : p->series[s].x;

		for (size_t i = 0; i < p->series[s].n; i++) {
			if (!plottable(a, v[i]))
				continue;
			if (!seen || v[i] < min)
				min = v[i];
			if (!seen || v[i] > max)
				max = v[i];
			seen = 1;
		}
	}
	if (a->log)
		log_range(a, min, max);
	else
		linear_range(a, max);
}

static void put_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			/* control characters are not allowed in XML 1.0 */
			fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
		}
	}
}

static void tick_label(char *buf, size_t size, const struct axis *a, double v)
{
	int decimals = 0;

	if (a->log) {
		snprintf(buf, size, "%g", v);
		return;
	}
	for (double s = a->step; s < 1 - 1e-9 && decimals < 9; s *= 10)
		decimals++;
	snprintf(buf, size, "%.*f", decimals, v);
}

/* The values to tick: at most MAX_TICKS + 1 of them. Returns the count. */
static int tick_values(const struct axis *a, double *v)
{
	int n = 0;

	if (a->log) {
		for (double t = a->lo; t <= a->hi * 1.000001 && n <= MAX_TICKS; t *= a->step)
			v[n++] = t;
	} else {
		for (int i = 0; n <= MAX_TICKS; i++) {
			double t = a->lo + i * a->step;

			if (t > a->hi + a->step / 2)
				break;
			v[n++] = t;
		}
	}
	return n;
}

static void draw_ticks(FILE *f, const struct axis *a, int vertical,
		       void (*format)(char *, size_t, double),
		       double x0, double x1, double y0, double y1)
{
	double v[MAX_TICKS + 1];
	int n = tick_values(a, v);
	char label[32];

	for (int i = 0; i < n; i++) {
		double p = axis_pos(a, v[i]);

		if (format)
			format(label, sizeof(label), v[i]);
		else
			tick_label(label, sizeof(label), a, v[i]);
		if (vertical) {
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#e3e3e3\"/>\n", x0, p, x1, p);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
				"dominant-baseline=\"middle\">%s</text>\n", x0 - 7, p, label);
		} else {
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#e3e3e3\"/>\n", p, y0, p, y1);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
				p, y1 + 18, label);
		}
	}
}

static void draw_series(FILE *f, const struct svg_series *s,
			const struct axis *ax, const struct axis *ay)
{
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
		"stroke-linejoin=\"round\" points=\"", s->color);
	for (size_t i = 0; i < s->n; i++)
		if (plottable(ax, s->x[i]) && plottable(ay, s->y[i]))
			fprintf(f, "%s%.1f,%.1f", i ? " " : "", axis_pos(ax, s->x[i]),
				axis_pos(ay, s->y[i]));
	fputs("\"/>\n", f);
	if (!s->markers)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (plottable(ax, s->x[i]) && plottable(ay, s->y[i]))
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
				axis_pos(ax, s->x[i]), axis_pos(ay, s->y[i]), s->color);
}

/* One line of legend: a stroke of each series' color and its name. The
 * width of the text is guessed (7 units a character at 12px). */
static void draw_legend(FILE *f, const struct svg_panel *p, double y)
{
	double x = LEFT;

	for (size_t s = 0; s < p->nseries; s++) {
		const struct svg_series *se = &p->series[s];

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"%s\" stroke-width=\"3\"/>\n", x, y - 4, x + 24, y - 4,
			se->color);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 30, y);
		put_text(f, se->name);
		fputs("</text>\n", f);
		x += 30 + 6.5 * (double)strlen(se->name) + 30;
	}
}

static size_t points_in(const struct svg_panel *p)
{
	size_t n = 0;

	for (size_t s = 0; s < p->nseries; s++)
		n += p->series[s].n;
	return n;
}

static void draw_panel(FILE *f, const struct svg_panel *p, double top)
{
	double x0 = LEFT, x1 = WIDTH - RIGHT;
	double y0 = top + PLOT_TOP, y1 = top + PANEL_H - PLOT_BOTTOM;
	struct axis ax = { .log = p->x_log, .pos0 = x0, .pos1 = x1 };
	struct axis ay = { .log = p->y_log, .pos0 = y1, .pos1 = y0 };

	fit_axis(&ax, p, 0);
	fit_axis(&ay, p, 1);
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"15\" font-weight=\"bold\">",
		LEFT, top + 24);
	put_text(f, p->title);
	fputs("</text>\n", f);
	draw_legend(f, p, top + 48);
	draw_ticks(f, &ax, 0, p->x_tick, x0, x1, y0, y1);
	draw_ticks(f, &ay, 1, NULL, x0, x1, y0, y1);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"none\" stroke=\"#555\"/>\n", x0, y0, x1 - x0, y1 - y0);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (x0 + x1) / 2,
		y1 + 42);
	put_text(f, p->x_label);
	fprintf(f, "</text>\n<text transform=\"translate(%d %.1f) rotate(-90)\" "
		"text-anchor=\"middle\">", LEFT - 58, (y0 + y1) / 2);
	put_text(f, p->y_label);
	fputs("</text>\n", f);
	if (points_in(p) == 0 && p->empty_note) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#777\">",
			(x0 + x1) / 2, (y0 + y1) / 2);
		put_text(f, p->empty_note);
		fputs("</text>\n", f);
	}
	for (size_t s = 0; s < p->nseries; s++)
		draw_series(f, &p->series[s], &ax, &ay);
}

int svg_write(FILE *f, const char *title, const struct svg_panel *panels,
	      size_t npanels)
{
	int height = TITLE_H + (int)npanels * PANEL_H;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\" "
		"fill=\"#222\">\n<title>", WIDTH, height, WIDTH, height);
	put_text(f, title);
	fprintf(f, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
		"<text x=\"%d\" y=\"28\" font-size=\"17\" font-weight=\"bold\">",
		WIDTH, height, LEFT);
	put_text(f, title);
	fputs("</text>\n", f);
	for (size_t i = 0; i < npanels; i++)
		draw_panel(f, &panels[i], TITLE_H + (double)i * PANEL_H);
	fputs("</svg>\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
