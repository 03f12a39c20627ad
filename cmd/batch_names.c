/* batch_names.c - `streamx batch` output names, and clashes between them found before any job starts. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batch.h"
#include "cli.h"

/* ---- naming ---- */

const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Writes the output name of input in into buf: the base name with the
 * suffixes changed, in -O DIR or else in the input's directory. Taking
 * the base name only is what keeps a name with ".." or an absolute path
 * inside DIR. Returns NAME_OK, or why there is no output name. */
int output_for(const struct batch_options *o, const char *in, char *buf,
	       size_t size)
{
	const char *base = base_name(in);
	const char *dir = o->out_dir ? o->out_dir : in;
	size_t dirlen = o->out_dir ? strlen(o->out_dir) : (size_t)(base - in);
	size_t len = strlen(base);
	int n;

	if (o->strip) {
		size_t cut = strlen(o->strip);

		if (len < cut || strcmp(base + len - cut, o->strip) != 0)
			return NAME_NO_SUFFIX;
		if (len == cut)
			return NAME_EMPTY;
		len -= cut;
	}
	n = snprintf(buf, size, "%.*s%s%.*s%s", (int)dirlen, dir,
		     dirlen && dir[dirlen - 1] != '/' ? "/" : "", (int)len, base,
		     o->suffix ? o->suffix : "");
	return n < 0 || (size_t)n >= size ? NAME_TOO_LONG : NAME_OK;
}

/* Stats the directory holding path. Returns 0, or -1. */
static int stat_dir_of(const char *path, struct stat *sb)
{
	const char *base = base_name(path);
	char dir[PATH_MAX];

	if (base == path)
		return stat(".", sb);
	if ((size_t)(base - path) >= sizeof(dir))
		return -1;
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
	return stat(dir, sb);
}

/* ---- clashes between names, found before any job starts ---- */

enum { KEY_INPUT, KEY_OUTPUT };

/* Where a name lives: a directory entry, however the path spells it. */
struct place {
	uint64_t dev, ino;         /* of the directory */
	const char *name;          /* the last component */
	char buf[PATH_MAX];
};

/* A name in the table: which file's input or output it is. The place
 * itself is recomputed on a match of hashes, which only a real clash
 * makes, so that the table costs 16 bytes a name. */
struct key {
	uint64_t hash;             /* 0: a free slot */
	unsigned file;
	unsigned kind;
};

struct key_table {
	struct key *slots;
	size_t mask;
};

/* Fills pl with the place of file i's input or output. Returns 0, or -1
 * when it has none (no output name, no such directory). */
static int place_of(const struct batch *b, size_t i, unsigned kind, struct place *pl)
{
	const char *in = b->files[i].in;
	struct stat sb;

	pl->name = base_name(in);
	if (kind == KEY_OUTPUT) {
		if (output_for(&b->opt, in, pl->buf, sizeof(pl->buf)) != NAME_OK)
			return -1;
		pl->name = base_name(pl->buf);
		if (b->opt.out_dir) {
			pl->dev = (uint64_t)b->out_dir_sb.st_dev;
			pl->ino = (uint64_t)b->out_dir_sb.st_ino;
			return 0;
		}
	}
	if (stat_dir_of(in, &sb) != 0)
		return -1;
	pl->dev = (uint64_t)sb.st_dev;
	pl->ino = (uint64_t)sb.st_ino;
	return 0;
}

static int same_place(const struct place *a, const struct place *b)
{
	return a->dev == b->dev && a->ino == b->ino && strcmp(a->name, b->name) == 0;
}

static uint64_t hash_place(const struct place *pl)
{
	uint64_t h = 0xcbf29ce484222325ULL;  /* FNV-1a */
	unsigned char bytes[16];

	memcpy(bytes, &pl->dev, 8);
	memcpy(bytes + 8, &pl->ino, 8);
	for (size_t i = 0; i < sizeof(bytes); i++)
		h = (h ^ bytes[i]) * 0x100000001b3ULL;
	for (const char *s = pl->name; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h ? h : 1;
}

/* Looks want up. Returns the match that matters most (an input before
 * an output), or NULL with *slot set to the free slot where it goes. */
static struct key *find_key(const struct batch *b, const struct key_table *t,
			    uint64_t hash, const struct place *want, struct key **slot)
{
	size_t i = (size_t)hash & t->mask;
	struct key *hit = NULL;
	struct place other;

	for (; t->slots[i].hash; i = (i + 1) & t->mask) {
		struct key *k = &t->slots[i];

		if (k->hash != hash || place_of(b, k->file, k->kind, &other) != 0 ||
		    !same_place(&other, want))
			continue;
		if (!hit || (k->kind == KEY_INPUT && hit->kind != KEY_INPUT))
			hit = k;
	}
	*slot = &t->slots[i];
	return hit;
}

/* Enters file i's input or output unless the place is there already.
 * Returns the key found there, or NULL. */
static struct key *add_key(const struct batch *b, struct key_table *t, size_t i,
			   unsigned kind, const struct place *pl)
{
	uint64_t hash = hash_place(pl);
	struct key *slot, *hit = find_key(b, t, hash, pl, &slot);

	if (!hit)
		*slot = (struct key){ .hash = hash, .file = (unsigned)i, .kind = kind };
	return hit;
}

/* Enters every input that is a regular file; adds up their sizes. */
static void add_inputs(struct batch *b, struct key_table *t)
{
	struct place pl;
	struct stat sb;

	for (size_t i = 0; i < b->nfiles; i++) {
		if (stat(b->files[i].in, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    place_of(b, i, KEY_INPUT, &pl) != 0)
			continue;
		b->bytes_total += (uint64_t)sb.st_size;
		add_key(b, t, i, KEY_INPUT, &pl);
	}
}

/* Checks file i's output against its own input, the other inputs and
 * the earlier outputs. A file with no output name is left to fail when
 * its turn comes. */
static void check_output(struct batch *b, struct key_table *t, size_t i)
{
	struct file *f = &b->files[i];
	struct place in, out;
	struct key *hit;

	if (place_of(b, i, KEY_OUTPUT, &out) != 0)
		return;
	if (place_of(b, i, KEY_INPUT, &in) == 0 && same_place(&in, &out)) {
		f->clash = CLASH_SELF;
		return;
	}
	hit = add_key(b, t, i, KEY_OUTPUT, &out);
	if (hit) {
		f->other = hit->file;
		f->clash = hit->kind == KEY_OUTPUT ? CLASH_OUTPUT : CLASH_INPUT;
	}
}

/* Marks the files whose output clashes. The table, at most half full, is
 * gone before the first job. Returns 0, or -1 with a message. */
int check_names(struct batch *b)
{
	struct key_table t;
	size_t size = 16;

	while (size < 4 * b->nfiles)
		size *= 2;
	t.mask = size - 1;
	t.slots = calloc(size, sizeof(*t.slots));
	if (!t.slots)
		return cli_error("batch: out of memory checking %zu file names", b->nfiles);
	add_inputs(b, &t);
	for (size_t i = 0; i < b->nfiles; i++)
		check_output(b, &t, i);
	free(t.slots);
	return 0;
}

/* Makes -O DIR and its parents, as mkdir -p. Returns 0, or -1 with a
 * message. */
int make_out_dir(struct batch *b)
{
	char path[PATH_MAX];
	const char *dir = b->opt.out_dir;

	if (strlen(dir) >= sizeof(path))
		return cli_error("batch: %s: directory name too long", dir);
	strcpy(path, dir);
	for (char *p = path + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return cli_error("batch: %s: cannot make directory: %s", path,
					 strerror(errno));
		*p = c;
		if (!c)
			break;
	}
	if (stat(dir, &b->out_dir_sb) != 0 || !S_ISDIR(b->out_dir_sb.st_mode))
		return cli_error("batch: %s: not a directory", dir);
	return 0;
}

