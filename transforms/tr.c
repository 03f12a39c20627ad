/* tr.c - the tr stage: translate, delete and squeeze bytes, as GNU tr does in the C locale. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "swar.h"
#include "opts.h"

/*
 * init does all the work of understanding the sets, following GNU tr's
 * rules and messages: escapes are decoded (remembering which bytes were
 * escaped, since "\-" or "\[" are plain characters), the set is parsed
 * into elements (a character, a range, a class, [=c=], [c*n]), checked,
 * and compiled into three 256-entry tables: a byte map, a delete set and
 * a squeeze set. The elements are freed before init returns.
 *
 * process then is a table walk over whole chunks written straight into
 * the output space, with fast paths for a plain map (one range shifted by
 * a constant, as in tr a-z A-Z, eight bytes at a time) and plain delete.
 * The only state carried between chunks is the last byte written, for
 * squeezing. Memory: the tables in priv; nothing grows with the input.
 *
 * Sets are walked in runs so that [c*n] with a huge n costs one step:
 * a run is one character repeated (n for [c*n], 1 for anything else).
 */

enum { EL_CHAR, EL_RANGE, EL_CLASS, EL_EQUIV, EL_REPEAT };

enum {
	C_ALNUM, C_ALPHA, C_BLANK, C_CNTRL, C_DIGIT, C_GRAPH, C_LOWER,
	C_PRINT, C_PUNCT, C_SPACE, C_UPPER, C_XDIGIT, N_CLASSES
};

static const char *const class_names[N_CLASSES] = {
	"alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower",
	"print", "punct", "space", "upper", "xdigit"
};

/* The C locale's classes; nothing above 0x7f belongs to any. */
static int in_class(int cls, int c)
{
	int upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
	int digit = c >= '0' && c <= '9', print = c >= 0x20 && c < 0x7f;

	switch (cls) {
	case C_ALNUM: return upper || lower || digit;
	case C_ALPHA: return upper || lower;
	case C_BLANK: return c == ' ' || c == '\t';
	case C_CNTRL: return c < 0x20 || c == 0x7f;
	case C_DIGIT: return digit;
	case C_GRAPH: return print && c != ' ';
	case C_LOWER: return lower;
	case C_PRINT: return print;
	case C_PUNCT: return print && c != ' ' && !upper && !lower && !digit;
	case C_SPACE: return c == ' ' || (c >= '\t' && c <= '\r');
	case C_UPPER: return upper;
	case C_XDIGIT: return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	}
	return 0;
}

struct elem {
	unsigned char type;
	unsigned char lo, hi;  /* CHAR, EQUIV, REPEAT: lo; RANGE: lo..hi */
	unsigned char cls;     /* CLASS */
	uint64_t count;        /* REPEAT: times; 0 is [c*], fill to SET1's length */
};

struct set {
	struct elem *el;
	size_t n;
	uint64_t len;        /* characters in the expansion */
	int indefinite;      /* [c*] elements */
	int has_class, has_restricted, has_equiv;
};

/* A SET operand with its escapes decoded. */
struct estr {
	unsigned char *s;
	unsigned char *esc;  /* the byte came from an escape: never special */
	size_t len;
};

struct tr_state {
	unsigned char map[256];
	unsigned char del[256];
	unsigned char sq[256];
	int kind;            /* K_* */
	int last;            /* the last byte written, -1 before any */
	unsigned char lo, hi; /* K_SHIFT: map is identity but on [lo, hi] */
	int delta;           /* ... where it adds delta */
};

enum { K_COPY, K_MAP, K_SHIFT, K_DELETE, K_GENERAL };

/* ---- messages ---- */

/* c as GNU tr shows it in messages: escapes for control bytes. */
static const char *show_char(int c, char buf[8])
{
	static const char names[] = "\aa\bb\ff\nn\rr\tt\vv\\\\";

	for (const char *p = names; *p; p += 2)
		if (c == (unsigned char)p[0]) {
			buf[0] = '\\';
			buf[1] = p[1];
			buf[2] = '\0';
			return buf;
		}
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, 8, "%c", c);
	else
		snprintf(buf, 8, "\\%03o", (unsigned)c);
	return buf;
}

/* s[0..n) shown as above, cut to fit out. */
static const char *show_str(const unsigned char *s, size_t n, char *out,
			    size_t cap)
{
	size_t j = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char b[8];
		size_t k = strlen(show_char(s[i], b));

		if (j + k + 1 > cap)
			break;
		memcpy(out + j, b, k + 1);
		j += k;
	}
	return out;
}

/* ---- decoding and parsing a SET ---- */

static int octal(unsigned char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

/* Decodes \a \b \f \n \r \t \v, \NNN (at most 0377: a third digit that
 * would pass it is left alone, as GNU does), \\ and \c for any other c;
 * a backslash at the end stands for itself. */
static void unquote(const char *arg, struct estr *e)
{
	const unsigned char *p = (const unsigned char *)arg;
	size_t j = 0;

	for (size_t i = 0; p[i]; i++) {
		unsigned c = p[i], esc = 0;

		if (c == '\\' && p[i + 1]) {
			esc = 1;
			c = p[++i];
			switch (c) {
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'v': c = '\v'; break;
			default:
				if (octal(c) < 0)
					break;
				c = (unsigned)octal(c);
				if (octal(p[i + 1]) >= 0) {
					c = c * 8 + (unsigned)octal(p[++i]);
					if (octal(p[i + 1]) >= 0 &&
					    c * 8 + (unsigned)octal(p[i + 1]) < 256)
						c = c * 8 + (unsigned)octal(p[++i]);
				}
			}
		}
		e->s[j] = (unsigned char)c;
		e->esc[j++] = (unsigned char)esc;
	}
	e->len = j;
}

/* The byte at i is c, and not from an escape. */
static int is(const struct estr *e, size_t i, int c)
{
	return i < e->len && e->s[i] == c && !e->esc[i];
}

static void add(struct set *s, int type, int lo, int hi, uint64_t count)
{
	struct elem *el = &s->el[s->n++];

	el->type = (unsigned char)type;
	el->lo = (unsigned char)lo;
	el->hi = (unsigned char)hi;
	el->cls = (unsigned char)hi;
	el->count = count;
}

/* The index of close followed by ']' (both unescaped) from i on. */
static int find_close(const struct estr *e, size_t i, int close, size_t *at)
{
	for (; i + 1 < e->len; i++)
		if (is(e, i, close) && is(e, i + 1, ']')) {
			*at = i;
			return 1;
		}
	return 0;
}

/* "*", digits, "]" from i on: then "[:" or "[=" was a [c*n] of ':' or '='. */
static int star_digits_close(const struct estr *e, size_t i)
{
	if (!is(e, i, '*'))
		return 0;
	for (i++; i < e->len; i++)
		if (e->esc[i] || e->s[i] < '0' || e->s[i] > '9')
			return is(e, i, ']');
	return 0;
}

/* The n of [c*n] as GNU tr reads it (strtoumax: blanks and a '+' may
 * lead): octal when it starts with 0, else decimal, below UINT64_MAX. */
static int repeat_count(const unsigned char *d, size_t n, uint64_t *count)
{
	unsigned base = d[0] == '0' ? 8 : 10;
	size_t k = 0;

	*count = 0;
	while (k < n && (d[k] == ' ' || (d[k] >= '\t' && d[k] <= '\r')))
		k++;
	if (k < n && d[k] == '+')
		k++;
	if (k == n)
		return -1;
	for (; k < n; k++) {
		unsigned v = (unsigned)d[k] - '0';

		if (v >= base || *count > (UINT64_MAX - 1 - v) / base)
			return -1;
		*count = *count * base + v;
	}
	return 0;
}

/* [c*n] with c at i: 1 and *end at the ']' when it is one, 0 when it is
 * not, SX_EUSAGE (recorded) when its count is bad. No n, or 0, means
 * "fill up to SET1's length". */
static int repeat_at(struct sx_stage *st, const struct estr *e, size_t i,
		     uint64_t *count, size_t *end)
{
	char shown[64];
	size_t j;

	if (!is(e, i + 1, '*'))
		return 0;
	for (j = i + 2; j < e->len && !e->esc[j] && e->s[j] != ']'; j++)
		;
	if (!is(e, j, ']'))
		return 0;
	*end = j;
	*count = 0;
	if (j == i + 2 || repeat_count(e->s + i + 2, j - i - 2, count) == 0)
		return 1;
	show_str(e->s + i + 2, j - i - 2, shown, sizeof(shown));
	return sx_stage_fail(st, SX_EUSAGE,
			     "invalid repeat count '%s' in [c*n] construct", shown);
}

static int class_named(const unsigned char *name, size_t n)
{
	for (int c = 0; c < N_CLASSES; c++)
		if (strlen(class_names[c]) == n && memcmp(class_names[c], name, n) == 0)
			return c;
	return -1;
}

/* [:name:] or [=c=] at i, closing at end: added, or 0 when it is really a
 * [c*n] of ':' or '=', or an error. */
static int bracket_class(struct sx_stage *st, const struct estr *e, size_t i,
			 size_t end, struct set *s)
{
	const unsigned char *name = e->s + i + 2;
	size_t n = end - i - 2;
	char shown[64];
	int cls;

	if (n == 0)
		return sx_stage_fail(st, SX_EUSAGE, "%s", e->s[i + 1] == ':' ?
				     "missing character class name '[::]'" :
				     "missing equivalence class character '[==]'");
	if (e->s[i + 1] == '=' && n == 1) {
		add(s, EL_EQUIV, name[0], 0, 1);
		return 1;
	}
	cls = e->s[i + 1] == ':' ? class_named(name, n) : -1;
	if (cls >= 0) {
		add(s, EL_CLASS, 0, cls, 1);
		return 1;
	}
	if (star_digits_close(e, i + 2))
		return 0;
	show_str(name, n, shown, sizeof(shown));
	if (e->s[i + 1] == ':')
		return sx_stage_fail(st, SX_EUSAGE, "invalid character class '%s'", shown);
	return sx_stage_fail(st, SX_EUSAGE,
			     "%s: equivalence class operand must be a single character",
			     shown);
}

/* Splits e into elements the way GNU tr's build_spec_list does: the
 * bracket constructs first, then a-b, else a plain character. Only where
 * at least three bytes are left can a construct start. */
static int parse_set(struct sx_stage *st, const struct estr *e, struct set *s)
{
	size_t i = 0;

	while (i + 2 < e->len) {
		if (is(e, i, '[')) {
			size_t end;
			uint64_t count;
			int rc = 0;

			if ((is(e, i + 1, ':') || is(e, i + 1, '=')) &&
			    find_close(e, i + 2, e->s[i + 1], &end)) {
				rc = bracket_class(st, e, i, end, s);
				if (rc < 0)
					return rc;
				if (rc > 0) {
					i = end + 2;
					continue;
				}
			}
			rc = repeat_at(st, e, i + 1, &count, &end);
			if (rc < 0)
				return rc;
			if (rc > 0) {
				add(s, EL_REPEAT, e->s[i + 1], 0, count);
				i = end + 1;
				continue;
			}
		}
		if (is(e, i + 1, '-')) {
			if (e->s[i] > e->s[i + 2]) {
				char a[8], b[8];

				return sx_stage_fail(st, SX_EUSAGE,
						     "range-endpoints of '%s-%s' are in reverse collating sequence order",
						     show_char(e->s[i], a), show_char(e->s[i + 2], b));
			}
			add(s, EL_RANGE, e->s[i], e->s[i + 2], 1);
			i += 3;
		} else {
			add(s, EL_CHAR, e->s[i], 0, 1);
			i++;
		}
	}
	for (; i < e->len; i++)
		add(s, EL_CHAR, e->s[i], 0, 1);
	return SX_OK;
}

/* ---- walking a set ---- */

static uint64_t el_len(const struct elem *el)
{
	uint64_t n = 0;

	switch (el->type) {
	case EL_RANGE:
		return (uint64_t)(el->hi - el->lo) + 1;
	case EL_CLASS:
		for (int c = 0; c < 256; c++)
			n += (uint64_t)in_class(el->cls, c);
		return n;
	case EL_REPEAT:
		return el->count;
	}
	return 1;
}

/* The character at offset off of el. */
static int el_char(const struct elem *el, uint64_t off)
{
	switch (el->type) {
	case EL_RANGE:
		return el->lo + (int)off;
	case EL_CLASS:
		for (int c = 0; c < 256; c++)
			if (in_class(el->cls, c) && off-- == 0)
				return c;
		return -1;
	}
	return el->lo;
}

static void set_stats(struct set *s)
{
	s->len = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct elem *el = &s->el[i];
		uint64_t n = el_len(el);

		s->len = s->len + n < s->len ? UINT64_MAX : s->len + n;
		if (el->type == EL_REPEAT && el->count == 0)
			s->indefinite++;
		if (el->type == EL_CLASS) {
			s->has_class = 1;
			if (el->cls != C_UPPER && el->cls != C_LOWER)
				s->has_restricted = 1;
		}
		if (el->type == EL_EQUIV)
			s->has_equiv = 1;
	}
}

/* Marks the characters of s in in[]. */
static void set_members(const struct set *s, unsigned char in[256])
{
	for (size_t i = 0; i < s->n; i++) {
		const struct elem *el = &s->el[i];

		if (el->type == EL_RANGE)
			memset(in + el->lo, 1, (size_t)(el->hi - el->lo) + 1);
		else if (el->type == EL_CLASS)
			for (int c = 0; c < 256; c++)
				in[c] |= (unsigned char)in_class(el->cls, c);
		else if (el->type != EL_REPEAT || el->count > 0)
			in[el->lo] = 1;
	}
}

struct walk {
	const struct set *s;
	size_t i;       /* element */
	uint64_t off;   /* characters of it already passed */
};

/* The current run: its character, length, and case class (C_UPPER,
 * C_LOWER or -1). 0 at the end. Empty elements are stepped over. */
static int walk_peek(struct walk *w, int *c, uint64_t *run, int *cls)
{
	const struct elem *el;

	while (w->i < w->s->n && el_len(&w->s->el[w->i]) == 0)
		w->i++;
	if (w->i >= w->s->n)
		return 0;
	el = &w->s->el[w->i];
	*c = el_char(el, w->off);
	*run = el->type == EL_REPEAT ? el->count - w->off : 1;
	*cls = el->type == EL_CLASS && (el->cls == C_UPPER || el->cls == C_LOWER) ?
	       el->cls : -1;
	return 1;
}

/* Moves on by n characters of the current run (n <= the run), or past
 * the whole element with n = UINT64_MAX. */
static void walk_step(struct walk *w, uint64_t n)
{
	w->off = n == UINT64_MAX ? UINT64_MAX : w->off + n;
	if (w->off >= el_len(&w->s->el[w->i])) {
		w->i++;
		w->off = 0;
	}
}

/* GNU tr's rule for [:upper:] and [:lower:] in SET2 when translating:
 * each must meet the start of a case class in SET1 at the same position
 * (the pairs then convert case; in the C locale both classes have 26
 * members, so a plain positional map does the same). */
static int check_case_classes(struct sx_stage *st, const struct set *s1,
			      const struct set *s2)
{
	struct walk w1 = { s1, 0, 0 }, w2 = { s2, 0, 0 };
	int new1 = 1, new2 = 1;

	for (;;) {
		int c1, c2, cl1 = -1, cl2 = -1;
		uint64_t r1, r2;
		int has1 = walk_peek(&w1, &c1, &r1, &cl1);
		int has2 = walk_peek(&w2, &c2, &r2, &cl2);

		if (!has1)
			cl1 = -1;
		if (!has2)
			cl2 = -1;
		if (new2 && cl2 >= 0 && !(new1 && cl1 >= 0))
			return sx_stage_fail(st, SX_EUSAGE,
					     "misaligned [:upper:] and/or [:lower:] construct");
		if (!has1 || !has2)
			return SX_OK;
		if (cl2 >= 0) {
			walk_step(&w1, UINT64_MAX);
			walk_step(&w2, UINT64_MAX);
		} else {
			uint64_t n = r1 < r2 ? r1 : r2;

			walk_step(&w1, n);
			walk_step(&w2, n);
		}
		new1 = w1.off == 0;
		new2 = w2.off == 0;
	}
}

/* Every character of s is the same one. */
static int homogeneous(const struct set *s)
{
	struct walk w = { s, 0, 0 };
	int first = -1, c, cls;
	uint64_t run;

	while (walk_peek(&w, &c, &run, &cls)) {
		if (first >= 0 && c != first)
			return 0;
		first = c;
		walk_step(&w, run);
	}
	return first >= 0;
}

/* ---- compiling ---- */

struct spec {
	int complement, del, squeeze, truncate;
	int translating;
	struct set s1, s2;
	int two;            /* SET2 was given */
	uint64_t len1;      /* SET1's length (of its complement with -c) */
};

/* GNU tr's checks of the two sets, with the same messages; pads SET2
 * with its last character to SET1's length when translating. */
static int validate(struct sx_stage *st, struct spec *sp)
{
	struct set *s1 = &sp->s1, *s2 = &sp->s2;

	set_stats(s1);
	sp->len1 = s1->len;
	if (sp->complement) {
		unsigned char in[256] = { 0 };

		set_members(s1, in);
		sp->len1 = 256;
		for (int c = 0; c < 256; c++)
			sp->len1 -= in[c];
	}
	if (s1->indefinite)
		return sx_stage_fail(st, SX_EUSAGE,
				     "the [c*] repeat construct may not appear in string1");
	if (!sp->two)
		return SX_OK;
	set_stats(s2);
	if (sp->len1 >= s2->len && s2->indefinite == 1)
		for (size_t i = 0; i < s2->n; i++)
			if (s2->el[i].type == EL_REPEAT && s2->el[i].count == 0) {
				s2->el[i].count = sp->len1 - s2->len;
				s2->len = sp->len1;
			}
	if (s2->indefinite > 1)
		return sx_stage_fail(st, SX_EUSAGE,
				     "only one [c*] repeat construct may appear in string2");
	if (!sp->translating) {
		if (s2->indefinite)
			return sx_stage_fail(st, SX_EUSAGE,
					     "the [c*] construct may appear in string2 only when translating");
		return SX_OK;
	}
	if (s2->has_equiv)
		return sx_stage_fail(st, SX_EUSAGE,
				     "[=c=] expressions may not appear in string2 when translating");
	if (s2->has_restricted)
		return sx_stage_fail(st, SX_EUSAGE,
				     "when translating, the only character classes that may appear in string2 are 'upper' and 'lower'");
	if (!sp->complement && s2->has_class && check_case_classes(st, s1, s2))
		return SX_EUSAGE;
	if (sp->len1 > s2->len && !sp->truncate) {
		const struct elem *last = s2->n ? &s2->el[s2->n - 1] : NULL;

		if (s2->len == 0)
			return sx_stage_fail(st, SX_EUSAGE,
					     "when not truncating set1, string2 must be non-empty");
		if (last->type == EL_CLASS)
			return sx_stage_fail(st, SX_EUSAGE,
					     "when translating with string1 longer than string2, the latter string must not end with a character class");
		add(s2, EL_REPEAT, el_char(last, el_len(last) - 1), 0,
		    sp->len1 - s2->len);
		s2->len = sp->len1;
	}
	if (sp->complement && s1->has_class &&
	    !(s2->len == sp->len1 && homogeneous(s2)))
		return sx_stage_fail(st, SX_EUSAGE,
				     "when translating with complemented character classes, string2 must map all characters in the domain to one");
	return SX_OK;
}

/* SET1 to SET2 position by position; a character listed twice in SET1
 * takes its last partner. With -c, SET1's complement in ascending order. */
static void build_map(const struct spec *sp, unsigned char map[256])
{
	struct walk w2 = { &sp->s2, 0, 0 };
	int c1, c2, cls;
	uint64_t r1, r2;

	for (int c = 0; c < 256; c++)
		map[c] = (unsigned char)c;
	if (sp->complement) {
		unsigned char in[256] = { 0 };

		set_members(&sp->s1, in);
		for (int c = 0; c < 256; c++) {
			if (in[c])
				continue;
			if (!walk_peek(&w2, &c2, &r2, &cls))
				break;
			map[c] = (unsigned char)c2;
			walk_step(&w2, 1);
		}
		return;
	}
	for (struct walk w1 = { &sp->s1, 0, 0 };
	     walk_peek(&w1, &c1, &r1, &cls) && walk_peek(&w2, &c2, &r2, &cls);) {
		uint64_t n = r1 < r2 ? r1 : r2;

		/* Over a run of both, c1 and c2 stay the same. */
		map[c1] = (unsigned char)c2;
		walk_step(&w1, n);
		walk_step(&w2, n);
	}
}

/* The map is the identity but on one range of ASCII bytes, shifted by a
 * constant inside ASCII (tr a-z A-Z): then SWAR does it. */
static void detect_shift(struct tr_state *s)
{
	int lo = -1, hi = -1;

	for (int c = 0; c < 256; c++) {
		if (s->map[c] == c)
			continue;
		if (lo < 0)
			lo = c;
		else if (hi != c - 1 || s->map[c] - c != s->map[lo] - lo)
			return;
		hi = c;
	}
	if (lo < 0 || hi >= 0x80 || s->map[lo] >= 0x80 || s->map[hi] >= 0x80)
		return;
	s->kind = K_SHIFT;
	s->lo = (unsigned char)lo;
	s->hi = (unsigned char)hi;
	s->delta = s->map[lo] - lo;
}

static void compile(const struct spec *sp, struct tr_state *s)
{
	for (int c = 0; c < 256; c++)
		s->map[c] = (unsigned char)c;
	if (sp->translating) {
		build_map(sp, s->map);
	} else {
		/* -d, -s or -ds: SET1 (or its complement) is the first set. */
		unsigned char *in = sp->del ? s->del : s->sq;

		set_members(&sp->s1, in);
		if (sp->complement)
			for (int c = 0; c < 256; c++)
				in[c] ^= 1;
	}
	if (sp->squeeze && sp->two)
		set_members(&sp->s2, s->sq);
	s->last = -1;
	if (sp->squeeze)
		s->kind = K_GENERAL;
	else if (sp->del)
		s->kind = K_DELETE;
	else
		s->kind = K_MAP;
	if (s->kind == K_MAP) {
		int identity = 1;

		for (int c = 0; c < 256; c++)
			identity &= s->map[c] == c;
		if (identity)
			s->kind = K_COPY;
		else
			detect_shift(s);
	}
}

/* ---- init ---- */

static const struct sx_opt_long tr_longs[] = {
	{ "complement", 0, 'c' },
	{ "delete", 0, 'd' },
	{ "squeeze-repeats", 0, 's' },
	{ "truncate-set1", 0, 't' },
	{ NULL, 0, 0 }
};

/* GNU tr's operand rules: two sets to translate or for -ds, one for -d,
 * one or two for -s. */
static int check_operands(struct sx_stage *st, const struct spec *sp,
			  int n, char **ops)
{
	int min = 1 + (sp->del == sp->squeeze), max = 1 + (sp->del <= sp->squeeze);

	if (n == 0)
		return sx_stage_fail(st, SX_EUSAGE, "missing operand");
	if (n < min)
		return sx_stage_fail(st, SX_EUSAGE,
				     "missing operand after '%s': two strings must be given when %s",
				     ops[n - 1], sp->squeeze ?
				     "both deleting and squeezing repeats" : "translating");
	if (n > max)
		return sx_stage_fail(st, SX_EUSAGE, "extra operand '%s'%s", ops[max],
				     n == 2 ? ": only one string may be given when deleting without squeezing repeats" : "");
	return SX_OK;
}

/* Decodes and parses one SET into s, allocating through the stage. */
static int load_set(struct sx_stage *st, const char *arg, struct set *s,
		    struct estr *e)
{
	size_t n = strlen(arg);

	e->s = sx_malloc(st->mem, n + 1);
	e->esc = sx_malloc(st->mem, n + 1);
	/* one element per byte at most, and one for SET2's padding */
	s->el = sx_calloc(st->mem, n + 1, sizeof(*s->el));
	if (!e->s || !e->esc || !s->el)
		return sx_mem_fail(st->mem, n * sizeof(*s->el), &st->err);
	unquote(arg, e);
	return parse_set(st, e, s);
}

static int tr_init(struct sx_stage *st, int argc, char **argv)
{
	struct tr_state *s = st->priv;
	struct spec sp;
	struct estr e1 = { 0 }, e2 = { 0 };
	struct sx_opts o;
	int c, rc, n;

	memset(&sp, 0, sizeof(sp));
	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, "cCdst", tr_longs)) > 0) {
		if (c == 'c' || c == 'C')
			sp.complement = 1;
		else if (c == 'd')
			sp.del = 1;
		else if (c == 's')
			sp.squeeze = 1;
		else
			sp.truncate = 1;
	}
	if (c < 0)
		return c;
	n = sx_opts_operands(&o);
	rc = check_operands(st, &sp, n, argv + o.ind);
	if (rc)
		return rc;
	sp.two = n == 2;
	sp.translating = sp.two && !sp.del;
	rc = load_set(st, argv[o.ind], &sp.s1, &e1);
	if (rc == SX_OK && sp.two)
		rc = load_set(st, argv[o.ind + 1], &sp.s2, &e2);
	if (rc == SX_OK)
		rc = validate(st, &sp);
	if (rc == SX_OK)
		compile(&sp, s);
	sx_free(e1.s);
	sx_free(e1.esc);
	sx_free(e2.s);
	sx_free(e2.esc);
	sx_free(sp.s1.el);
	sx_free(sp.s2.el);
	return rc;
}

/* ---- process ---- */

/* Results stay inside ASCII, so no byte carries into the next. */
static size_t run_shift(const struct tr_state *s, unsigned char *restrict dst,
			const unsigned char *restrict src, size_t n)
{
	uint64_t step = (uint64_t)(s->delta < 0 ? -s->delta : s->delta);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, add;

		memcpy(&x, src + i, 8);
		add = (sx_swar_in_range(x, s->lo, s->hi) >> 7) * step;
		x = s->delta < 0 ? x - add : x + add;
		memcpy(dst + i, &x, 8);
	}
	for (; i < n; i++)
		dst[i] = s->map[src[i]];
	return n;
}

static size_t run_map(const struct tr_state *s, unsigned char *restrict dst,
		      const unsigned char *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = s->map[src[i]];
	return n;
}

/* Every byte is stored, and the write position moves past the kept ones. */
static size_t run_delete(const struct tr_state *s, unsigned char *restrict dst,
			 const unsigned char *restrict src, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		dst[o] = src[i];
		o += !s->del[src[i]];
	}
	return o;
}

static size_t run_general(struct tr_state *s, unsigned char *restrict dst,
			  const unsigned char *restrict src, size_t n)
{
	int last = s->last;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = src[i];

		if (s->del[c])
			continue;
		c = s->map[c];
		if (c == last && s->sq[c])
			continue;
		dst[o++] = c;
		last = c;
	}
	s->last = last;
	return o;
}

static int tr_process(struct sx_stage *st, const unsigned char *in,
		      size_t len, struct sx_out *out)
{
	struct tr_state *s = st->priv;

	if (s->kind == K_COPY)
		return sx_out_write(out, in, len);
	while (len > 0) {
		unsigned char *dst;
		size_t avail, made;
		int rc = sx_out_space(out, &dst, &avail);

		if (rc)
			return rc;
		/* Output never outgrows input: avail input bytes fit. */
		if (avail > len)
			avail = len;
		switch (s->kind) {
		case K_SHIFT: made = run_shift(s, dst, in, avail); break;
		case K_MAP: made = run_map(s, dst, in, avail); break;
		case K_DELETE: made = run_delete(s, dst, in, avail); break;
		default: made = run_general(s, dst, in, avail); break;
		}
		sx_out_commit(out, made);
		in += avail;
		len -= avail;
	}
	return SX_OK;
}

const struct sx_stage_ops sx_stage_tr = {
	.abi = SX_STAGE_ABI,
	.name = "tr",
	.summary = "translate, delete or squeeze bytes (like GNU tr in the C locale)",
	.usage = "tr [-c] [-d] [-s] [-t] SET1 [SET2]\n"
		 "  Maps SET1 to SET2 (SET2 padded with its last character), as GNU tr.\n"
		 "  Sets: a-z ranges, \\n \\t \\r \\a \\b \\f \\v \\\\ \\NNN escapes, [:alpha:] and the\n"
		 "  other classes, [=c=], and in SET2 [c*n] and [c*].\n"
		 "  -c, -C, --complement       use the bytes not in SET1 (in ascending order)\n"
		 "  -d, --delete               delete the bytes of SET1\n"
		 "  -s, --squeeze-repeats      squeeze runs of a byte of the last set to one\n"
		 "  -t, --truncate-set1        cut SET1 to SET2's length\n"
		 "  In a pipeline, quote sets holding backslashes: 'tr -d \"\\r\"'.\n"
		 "  Example: streamx -i in.txt 'tr -cs \"[:alnum:]\" \"\\n\"'",
	.priv_size = sizeof(struct tr_state),
	.init = tr_init,
	.process = tr_process,
};
