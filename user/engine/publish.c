// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Publishing: decisions -> classes + shared Maglev tables; policy ->
 * backends, tenants, services, config. Order matters for a packet in
 * flight: backends before the tables that name them, tables before the
 * classes that point at them, stale classes before the tables they used,
 * and removed backends last.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "engine/engine.h"
#include "engine/internal.h"
#include "util/util.h"

#define TABLE_HASH_SLOTS (2 * STEER_MAX_TABLES) /* open addressing, power of two */

struct pub_entry {
	uint32_t id;	 /* backend id */
	uint32_t weight;
};

struct pub_table {
	uint64_t hash;
	struct pub_entry *set;
	size_t n;
	unsigned int refs;
	bool unknown;	/* found in the maps at start: content not known */
};

struct pub_class {
	uint32_t tenant_id;
	uint16_t task;
	uint8_t family;
	uint8_t action;
	uint32_t class_id;
	uint32_t table_id;	/* 0 with action reject; its content is the live set */
	bool known;		/* table content is what the maps hold (false: adopted) */
	bool seen;		/* in the current decisions */
};

struct engine_publisher {
	struct dp *dp;
	struct pub_class *classes;	/* sorted by key */
	size_t n_classes, cap_classes;
	struct pub_table *tables[STEER_MAX_TABLES]; /* by table id; [0] unused */
	uint32_t *hash_slots;		/* content hash -> table id */
	uint8_t *class_ids_used;	/* STEER_MAX_CLASSES */
	struct steer_backend backends[STEER_MAX_BACKENDS];
	bool backend_known[STEER_MAX_BACKENDS];
	uint64_t policy_sig;		/* tenants + services last published */
	uint32_t index_of[STEER_MAX_BACKENDS];	/* backend id -> policy index (this apply) */
	uint32_t swap_ids[STEER_MAX_TABLES];	/* built, waiting for the swap */
	int swap_fds[STEER_MAX_TABLES];
	uint32_t n_swaps;
	uint32_t *buf;			/* Maglev table being built */
	uint32_t buf_size;
};

static int key_cmp(uint32_t t1, uint16_t k1, uint8_t f1, uint32_t t2, uint16_t k2, uint8_t f2)
{
	if (t1 != t2)
		return t1 < t2 ? -1 : 1;
	if (k1 != k2)
		return k1 < k2 ? -1 : 1;
	if (f1 != f2)
		return f1 < f2 ? -1 : 1;
	return 0;
}

/* Index of the class, or of where it would go (with *found false). */
static size_t class_find(const struct engine_publisher *pub, uint32_t tenant, uint16_t task,
			 uint8_t family, bool *found)
{
	size_t lo = 0, hi = pub->n_classes;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct pub_class *c = &pub->classes[mid];
		int r = key_cmp(c->tenant_id, c->task, c->family, tenant, task, family);

		if (!r) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static struct pub_class *class_insert(struct engine_publisher *pub, size_t at, uint32_t tenant,
				      uint16_t task, uint8_t family)
{
	struct pub_class *c;

	if (pub->n_classes == pub->cap_classes) {
		size_t cap = pub->cap_classes ? pub->cap_classes * 2 : 256;
		void *n = realloc(pub->classes, cap * sizeof(*pub->classes));

		if (!n)
			return NULL;
		pub->classes = n;
		pub->cap_classes = cap;
	}
	memmove(&pub->classes[at + 1], &pub->classes[at],
		(pub->n_classes - at) * sizeof(*pub->classes));
	pub->n_classes++;
	c = &pub->classes[at];
	memset(c, 0, sizeof(*c));
	c->tenant_id = tenant;
	c->task = task;
	c->family = family;
	return c;
}

static uint64_t set_hash(const struct pub_entry *set, size_t n)
{
	return util_fnv(UTIL_FNV_INIT, set, n * sizeof(*set));
}

static bool set_equal(const struct pub_entry *a, size_t na, const struct pub_entry *b, size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

/* Table id holding exactly this set, or 0. */
static uint32_t table_find(const struct engine_publisher *pub, const struct pub_entry *set,
			   size_t n, uint64_t h)
{
	size_t mask = TABLE_HASH_SLOTS - 1, i;

	for (i = h & mask;; i = (i + 1) & mask) {
		uint32_t id = pub->hash_slots[i];
		const struct pub_table *t;

		if (!id)
			return 0;
		t = pub->tables[id];
		if (t && t->hash == h && set_equal(t->set, t->n, set, n))
			return id;
	}
}

/* Rebuild the content index (after deletions; cheap: tables are few). */
static void table_index_rebuild(struct engine_publisher *pub)
{
	size_t mask = TABLE_HASH_SLOTS - 1, i;
	uint32_t id;

	memset(pub->hash_slots, 0, TABLE_HASH_SLOTS * sizeof(*pub->hash_slots));
	for (id = 1; id < STEER_MAX_TABLES; id++) {
		struct pub_table *t = pub->tables[id];

		if (!t || t->unknown)
			continue;
		for (i = t->hash & mask; pub->hash_slots[i]; i = (i + 1) & mask)
			;
		pub->hash_slots[i] = id;
	}
}

static void table_free(struct engine_publisher *pub, uint32_t id)
{
	if (!pub->tables[id])
		return;
	free(pub->tables[id]->set);
	free(pub->tables[id]);
	pub->tables[id] = NULL;
}

static uint32_t table_alloc_id(const struct engine_publisher *pub)
{
	uint32_t id;

	for (id = 1; id < STEER_MAX_TABLES; id++)
		if (!pub->tables[id])
			return id;
	return 0;
}

static int ensure_buf(struct engine_publisher *pub, uint32_t m)
{
	if (pub->buf_size == m)
		return 0;
	free(pub->buf);
	pub->buf = calloc(m, sizeof(*pub->buf));
	pub->buf_size = pub->buf ? m : 0;
	return pub->buf ? 0 : -ENOMEM;
}

/*
 * Build the Maglev table of a set into a new inner map for table id and
 * queue it; tables_flush() swaps every queued table in with one batch.
 */
static int table_fill(struct engine_publisher *pub, const struct policy *p,
		      const struct pub_entry *set, size_t n, uint32_t id)
{
	struct engine_maglev_backend *mb;
	size_t i;
	int err, fd;

	err = ensure_buf(pub, p->maglev_size);
	if (err)
		return err;
	mb = calloc(n + 1, sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t at = set[i].id < STEER_MAX_BACKENDS ? pub->index_of[set[i].id] : UINT32_MAX;
		const struct policy_backend *b;

		if (at >= p->n_backends || p->backends[at].id != set[i].id) {
			free(mb);
			return -EINVAL;
		}
		b = &p->backends[at];
		mb[i].key = engine_maglev_key(b->addr, b->family, htons(b->port));
		mb[i].id = set[i].id;
		mb[i].weight = set[i].weight;
	}
	err = engine_maglev_build(mb, n, p->maglev_size, p->hash_seed, pub->buf);
	free(mb);
	if (err)
		return err;
	err = dp_table_build(pub->dp, id, pub->buf, p->maglev_size, &fd);
	if (err)
		return err;
	pub->swap_ids[pub->n_swaps] = id;
	pub->swap_fds[pub->n_swaps++] = fd;
	return 0;
}

static int tables_flush(struct engine_publisher *pub)
{
	int err = dp_tables_swap(pub->dp, pub->swap_ids, pub->swap_fds, pub->n_swaps);
	uint32_t i;

	for (i = 0; i < pub->n_swaps; i++)
		close(pub->swap_fds[i]); /* the outer map holds them now */
	pub->n_swaps = 0;
	return err;
}

static struct pub_table *table_record(const struct pub_entry *set, size_t n, uint64_t h)
{
	struct pub_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->set = calloc(n + 1, sizeof(*t->set));
	if (!t->set) {
		free(t);
		return NULL;
	}
	memcpy(t->set, set, n * sizeof(*set));
	t->n = n;
	t->hash = h;
	return t;
}

/* A new table for a set (queued for the swap); returns its id or 0. */
static uint32_t table_create(struct engine_publisher *pub, const struct policy *p,
			     const struct pub_entry *set, size_t n, uint64_t h,
			     struct engine_pub_stats *st, int *err)
{
	uint32_t id = table_alloc_id(pub);
	struct pub_table *t;

	*err = -ENOSPC;
	if (!id)
		return 0;
	*err = -ENOMEM;
	t = table_record(set, n, h);
	if (!t)
		return 0;
	*err = table_fill(pub, p, set, n, id);
	if (*err) {
		free(t->set);
		free(t);
		return 0;
	}
	pub->tables[id] = t;
	table_index_rebuild(pub);
	st->tables_written++;
	return id;
}

static uint32_t class_alloc_id(struct engine_publisher *pub)
{
	uint32_t id;

	for (id = 0; id < STEER_MAX_CLASSES; id++)
		if (!pub->class_ids_used[id]) {
			pub->class_ids_used[id] = 1;
			return id;
		}
	return UINT32_MAX;
}

static int cmp_class(const void *a, const void *b)
{
	const struct pub_class *x = a, *y = b;

	return key_cmp(x->tenant_id, x->task, x->family, y->tenant_id, y->task, y->family);
}

/* Read the classes map whole: a batch lookup, else key by key. */
static size_t read_classes(int fd, struct steer_class_key *keys, struct steer_class *vals,
			   size_t max)
{
	struct steer_class_key k, next;
	__u32 batch = 0, count = (__u32)max;
	void *prev = NULL;
	size_t n = 0;

	if (!bpf_map_lookup_batch(fd, NULL, &batch, keys, vals, &count, NULL) ||
	    errno == ENOENT) /* ENOENT: the batch reached the end */
		return count;
	while (n < max && !bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(fd, &k, &vals[n]))
			keys[n++] = k;
	}
	return n;
}

/* Adopt what the pinned classes map holds (after a restart). */
static int adopt_classes(struct engine_publisher *pub)
{
	int fd = dp_map_fd(pub->dp, DP_MAP_CLASSES);
	struct steer_class_key *keys = calloc(STEER_MAX_CLASSES, sizeof(*keys));
	struct steer_class *vals = calloc(STEER_MAX_CLASSES, sizeof(*vals));
	size_t n, i;
	int err = -ENOMEM;

	pub->classes = calloc(STEER_MAX_CLASSES, sizeof(*pub->classes));
	if (!keys || !vals || !pub->classes)
		goto out;
	pub->cap_classes = STEER_MAX_CLASSES;
	n = read_classes(fd, keys, vals, STEER_MAX_CLASSES);
	for (i = 0; i < n; i++) {
		struct pub_class *c = &pub->classes[pub->n_classes];
		const struct steer_class *v = &vals[i];

		if (v->class_id >= STEER_MAX_CLASSES || v->table_id >= STEER_MAX_TABLES ||
		    pub->class_ids_used[v->class_id])
			continue;
		c->tenant_id = keys[i].tenant;
		c->task = keys[i].task;
		c->family = keys[i].family;
		c->class_id = v->class_id;
		c->table_id = v->table_id;
		c->action = (uint8_t)v->action;
		pub->class_ids_used[v->class_id] = 1;
		if (v->table_id && !pub->tables[v->table_id]) {
			pub->tables[v->table_id] = calloc(1, sizeof(struct pub_table));
			if (!pub->tables[v->table_id])
				goto out;
			pub->tables[v->table_id]->unknown = true;
		}
		if (v->table_id)
			pub->tables[v->table_id]->refs++;
		pub->n_classes++;
	}
	qsort(pub->classes, pub->n_classes, sizeof(*pub->classes), cmp_class);
	err = 0;
out:
	free(keys);
	free(vals);
	return err;
}

int engine_pub_new(struct dp *dp, struct engine_publisher **out)
{
	struct engine_publisher *pub = calloc(1, sizeof(*pub));
	int err = -ENOMEM;
	uint32_t id;

	*out = NULL;
	if (!pub)
		return -ENOMEM;
	pub->dp = dp;
	pub->hash_slots = calloc(TABLE_HASH_SLOTS, sizeof(*pub->hash_slots));
	pub->class_ids_used = calloc(STEER_MAX_CLASSES, 1);
	if (!pub->hash_slots || !pub->class_ids_used)
		goto fail;
	err = adopt_classes(pub);
	if (err)
		goto fail;
	for (id = 1; id < STEER_MAX_BACKENDS; id++) {
		struct steer_backend be;

		if (!dp_backend_get(dp, id, &be) && be.state != STEER_BACKEND_UNUSED) {
			pub->backends[id] = be;
			pub->backend_known[id] = true;
		}
	}
	*out = pub;
	return 0;
fail:
	engine_pub_free(pub);
	return err;
}

void engine_pub_free(struct engine_publisher *pub)
{
	size_t i;

	if (!pub)
		return;
	free(pub->classes);
	for (i = 0; i < STEER_MAX_TABLES; i++)
		table_free(pub, (uint32_t)i);
	free(pub->hash_slots);
	free(pub->class_ids_used);
	free(pub->buf);
	free(pub);
}

uint8_t engine_pub_backend_state(const struct engine_live *l)
{
	if (l->admin_state == STEER_BACKEND_DOWN || l->admin_state == STEER_BACKEND_UNUSED)
		return STEER_BACKEND_DOWN;
	if (l->health_known && !l->healthy)
		return STEER_BACKEND_DOWN;
	if (l->admin_state == STEER_BACKEND_DRAINING)
		return STEER_BACKEND_DRAINING;
	return STEER_BACKEND_ACTIVE;
}

/* Effective set of a class after hysteresis: the live one (its table's
 * content) unless a member came or went, or a weight moved more than h
 * (fraction of the scale). */
static const struct pub_table *live_table(const struct engine_publisher *pub,
					  const struct pub_class *c)
{
	const struct pub_table *t = c->table_id ? pub->tables[c->table_id] : NULL;

	if (!c->known || c->action != STEER_ACTION_TABLE || !t || t->unknown)
		return NULL;
	return t;
}

static bool set_moved(const struct pub_table *t, const struct pub_entry *set, size_t n, double h)
{
	size_t i;

	if (!t || t->n != n)
		return true;
	for (i = 0; i < n; i++) {
		if (t->set[i].id != set[i].id)
			return true;
		if (fabs((double)t->set[i].weight - (double)set[i].weight) >
		    h * ENGINE_WEIGHT_SCALE)
			return true;
	}
	return false;
}

/* One class's wish in this round. */
struct pending {
	size_t ci;		/* index into pub->classes */
	struct pub_entry *set;	/* effective set (NULL: reject) */
	bool shared;		/* set belongs to an earlier pending (a twin) */
	size_t n;
	uint64_t hash;
	uint32_t table_id;	/* target table (0: reject) */
};

/* Per old table: do all its classes move to one same new content? */
struct regroup {
	uint64_t hash;
	const struct pending *first;
	unsigned int count;
	bool mixed;
};

/* Pass 1: every decided class exists (inserts shift indices: do them first). */
static int ensure_classes(struct engine_publisher *pub, const struct policy *p,
			  const struct engine_decisions *dec)
{
	size_t i;

	for (i = 0; i < dec->n; i++) {
		const struct engine_decision *d = &dec->d[i];
		uint32_t tid = p->tenants[d->tenant].id;
		struct pub_class *c;
		bool found;
		size_t at = class_find(pub, tid, (uint16_t)d->task, d->family, &found);

		if (found) {
			pub->classes[at].seen = true;
			continue;
		}
		c = class_insert(pub, at, tid, (uint16_t)d->task, d->family);
		if (!c)
			return -ENOMEM;
		c->class_id = class_alloc_id(pub);
		c->seen = true;
		if (c->class_id == UINT32_MAX)
			return -ENOSPC;
	}
	return 0;
}

/*
 * Pass 2: effective sets after hysteresis. Tenants of one profile share
 * their decision's set (decide.c): classes with the same decided set and
 * the same live table get one effective set, not a copy each (at 16k
 * classes x 4k backends, copies were gigabytes).
 */
static int effective_sets(struct engine_publisher *pub, const struct policy *p,
			  const struct engine_decisions *dec, struct pending *pd, bool resized)
{
	size_t slots = 1, i, j, k;
	size_t *seen;
	int err = 0;

	while (slots < 2 * dec->n + 2)
		slots <<= 1;
	seen = calloc(slots, sizeof(*seen)); /* pending index + 1 */
	if (!seen)
		return -ENOMEM;
	for (i = 0; i < dec->n && !err; i++) {
		const struct engine_decision *d = &dec->d[i];
		struct pending *x = &pd[i];
		const struct pub_table *live;
		bool found;
		uint64_t key;

		x->ci = class_find(pub, p->tenants[d->tenant].id, (uint16_t)d->task, d->family,
				   &found);
		if (d->kind != ENGINE_DEC_TABLE)
			continue;
		live = resized ? NULL : live_table(pub, &pub->classes[x->ci]);
		key = util_fnv(util_fnv(UTIL_FNV_INIT, &d->set, sizeof(d->set)), &live,
				sizeof(live));
		for (k = key & (slots - 1); seen[k]; k = (k + 1) & (slots - 1)) {
			const struct pending *o = &pd[seen[k] - 1];
			const struct engine_decision *od = &dec->d[seen[k] - 1];

			if (od->set == d->set && od->n_set == d->n_set &&
			    (resized ? NULL : live_table(pub, &pub->classes[o->ci])) == live) {
				x->set = o->set;
				x->n = o->n;
				x->hash = o->hash;
				x->shared = true;
				break;
			}
		}
		if (x->shared)
			continue;
		seen[k] = i + 1;
		x->set = calloc(d->n_set + 1, sizeof(*x->set));
		if (!x->set) {
			err = -ENOMEM;
			break;
		}
		x->n = d->n_set;
		for (j = 0; j < d->n_set; j++) {
			x->set[j].id = p->backends[d->set[j].backend].id;
			x->set[j].weight = d->set[j].weight;
		}
		if (live && !set_moved(live, x->set, x->n, p->hysteresis))
			memcpy(x->set, live->set, x->n * sizeof(*x->set)); /* keep what is live */
		x->hash = set_hash(x->set, x->n);
	}
	free(seen);
	return err;
}

/* New content for table id, in place: the classes pointing at it stay. */
static int table_rewrite(struct engine_publisher *pub, const struct policy *p, uint32_t id,
			 const struct pending *x, struct engine_pub_stats *st)
{
	struct pub_table *t = table_record(x->set, x->n, x->hash);
	int err;

	if (!t)
		return -ENOMEM;
	err = table_fill(pub, p, x->set, x->n, id);
	if (err) {
		free(t->set);
		free(t);
		return err;
	}
	t->refs = pub->tables[id]->refs;
	table_free(pub, id);
	pub->tables[id] = t;
	table_index_rebuild(pub);
	st->tables_written++;
	return 0;
}

/*
 * Pass 3: a table for every content. Existing content: shared. A table
 * whose classes all move to the same new content is rewritten in place, so
 * none of them needs a class write (the common case: load shifts weights
 * of a whole group). Anything else gets a new table.
 */
static int choose_tables(struct engine_publisher *pub, const struct policy *p,
			 struct pending *pd, size_t n, struct regroup *rg,
			 struct engine_pub_stats *st)
{
	size_t i;
	int err;

	memset(rg, 0, sizeof(*rg) * STEER_MAX_TABLES);
	for (i = 0; i < n; i++) {
		struct pending *x = &pd[i];
		uint32_t old = pub->classes[x->ci].table_id;
		struct regroup *g;

		/* adopted classes too: after a restart nothing needs rewriting */
		if (!x->set || !old || !pub->tables[old] ||
		    pub->classes[x->ci].action != STEER_ACTION_TABLE)
			continue;
		g = &rg[old];
		if (!g->count) {
			g->hash = x->hash;
			g->first = x;
		} else if (g->hash != x->hash ||
			   !set_equal(g->first->set, g->first->n, x->set, x->n)) {
			g->mixed = true;
		}
		g->count++;
	}
	for (i = 0; i < n; i++) {
		struct pending *x = &pd[i];
		uint32_t old = pub->classes[x->ci].table_id;

		if (!x->set)
			continue;
		x->table_id = table_find(pub, x->set, x->n, x->hash);
		if (x->table_id)
			continue;
		if (old && pub->tables[old] && rg[old].count &&
		    rg[old].count == pub->tables[old]->refs && !rg[old].mixed) {
			err = table_rewrite(pub, p, old, x, st);
			if (err)
				return err;
			x->table_id = old;
			continue;
		}
		x->table_id = table_create(pub, p, x->set, x->n, x->hash, st, &err);
		if (!x->table_id)
			return err;
	}
	/* every new table is complete: swap them in before classes point at them */
	return tables_flush(pub);
}

/* Pass 4: class entries that changed, in one batch. */
static int write_classes(struct engine_publisher *pub, const struct engine_decisions *dec,
			 struct pending *pd, struct engine_pub_stats *st)
{
	struct steer_class_key *keys = calloc(dec->n + 1, sizeof(*keys));
	struct steer_class *vals = calloc(dec->n + 1, sizeof(*vals));
	int fd = dp_map_fd(pub->dp, DP_MAP_CLASSES);
	__u32 count = 0, i, done;
	int err = 0;

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < dec->n; i++) {
		struct pub_class *c = &pub->classes[pd[i].ci];
		uint8_t action = pd[i].set ? STEER_ACTION_TABLE : STEER_ACTION_REJECT;

		if (c->table_id == pd[i].table_id && c->action == action)
			continue; /* adopted values came from the map: true too */
		keys[count] = (struct steer_class_key){ c->tenant_id, c->task, c->family, 0 };
		vals[count].class_id = c->class_id;
		vals[count].table_id = pd[i].table_id;
		vals[count].action = action;
		count++;
		if (pd[i].table_id)
			pub->tables[pd[i].table_id]->refs++;
		if (c->table_id && pub->tables[c->table_id])
			pub->tables[c->table_id]->refs--;
		c->table_id = pd[i].table_id;
		c->action = action;
	}
	done = count;
	if (count && bpf_map_update_batch(fd, keys, vals, &done, NULL)) {
		/* no batch support, or a partial batch: the rest one by one */
		for (err = 0, i = errno == EINVAL ? 0 : done; i < count && !err; i++)
			if (bpf_map_update_elem(fd, &keys[i], &vals[i], BPF_ANY))
				err = -errno;
	}
	st->classes_written += count;
	free(keys);
	free(vals);
	return err;
}

/* Pass 5: the maps hold what the classes' tables say now. */
static int remember(struct engine_publisher *pub, struct pending *pd, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pub->classes[pd[i].ci].known = true;
	return 0;
}

static int apply_classes(struct engine_publisher *pub, const struct policy *p,
			 const struct engine_decisions *dec, bool resized,
			 struct engine_pub_stats *st)
{
	struct pending *pd = calloc(dec->n + 1, sizeof(*pd));
	struct regroup *rg = calloc(STEER_MAX_TABLES, sizeof(*rg));
	size_t i;
	int err = -ENOMEM;

	if (pd && rg) {
		err = ensure_classes(pub, p, dec);
		if (!err)
			err = effective_sets(pub, p, dec, pd, resized);
		if (!err)
			err = choose_tables(pub, p, pd, dec->n, rg, st);
		if (!err)
			err = write_classes(pub, dec, pd, st);
		if (!err)
			err = remember(pub, pd, dec->n);
	}
	for (i = 0; pd && i < dec->n; i++)
		if (!pd[i].shared)
			free(pd[i].set);
	free(pd);
	free(rg);
	return err;
}

/* Classes no longer decided go, then tables no class uses. */
static int retire(struct engine_publisher *pub, struct engine_pub_stats *st)
{
	size_t i, j = 0;
	uint32_t id;
	int err = 0;

	for (i = 0; i < pub->n_classes; i++) {
		struct pub_class *c = &pub->classes[i];

		if (c->seen) {
			pub->classes[j++] = *c;
			continue;
		}
		if (dp_class_del_family(pub->dp, c->tenant_id, c->task, c->family) &&
		    !err)
			err = -errno;
		st->classes_deleted++;
		if (c->table_id && pub->tables[c->table_id])
			pub->tables[c->table_id]->refs--;
		pub->class_ids_used[c->class_id] = 0;
	}
	pub->n_classes = j;
	for (id = 1; id < STEER_MAX_TABLES; id++) {
		if (!pub->tables[id] || pub->tables[id]->refs)
			continue;
		pub->swap_ids[st->tables_deleted++] = id; /* the swap list is empty here */
		table_free(pub, id);
	}
	dp_tables_del(pub->dp, pub->swap_ids, st->tables_deleted);
	table_index_rebuild(pub);
	return err;
}

int engine_pub_apply(struct engine_publisher *pub, const struct policy *p,
		    const struct engine_live *live, const struct engine_decisions *dec,
		    struct engine_pub_stats *st)
{
	double t0 = util_now_ms_f();
	bool resized = false;
	uint64_t sig;
	size_t i;
	uint32_t id;
	int err;

	memset(st, 0, sizeof(*st));
	memset(pub->index_of, 0xff, sizeof(pub->index_of));
	for (i = 0; i < p->n_backends; i++)
		pub->index_of[p->backends[i].id] = (uint32_t)i;
	err = engine_pub_config(pub->dp, p, &resized);
	if (!err)
		err = engine_pub_backends(pub->dp, p, live, pub->backends, pub->backend_known,
				   &st->backends_written);
	/* tenants and services change only with the policy: skip them otherwise */
	sig = engine_pub_policy_sig(p);
	if (!err && sig != pub->policy_sig) {
		err = engine_pub_tenants(pub->dp, p, &st->tenants_written);
		if (!err)
			err = engine_pub_services(pub->dp, p, &st->services_written);
		if (!err)
			pub->policy_sig = sig;
	}
	for (i = 0; i < pub->n_classes; i++)
		pub->classes[i].seen = false;
	if (resized) {
		/* every table has the old size: none may be reused */
		for (id = 1; id < STEER_MAX_TABLES; id++)
			if (pub->tables[id])
				pub->tables[id]->unknown = true;
		table_index_rebuild(pub);
	}
	if (!err)
		err = apply_classes(pub, p, dec, resized, st);
	if (!err)
		err = retire(pub, st);
	if (!err)
		err = engine_pub_backends_retire(pub->dp, p, pub->backends, pub->backend_known,
					  &st->backends_written);
	for (id = 1; id < STEER_MAX_TABLES; id++)
		st->tables_live += pub->tables[id] != NULL;
	st->classes_live = (unsigned int)pub->n_classes;
	st->publish_ms = util_now_ms_f() - t0;
	return err;
}

int engine_pub_class_lookup(const struct engine_publisher *pub, uint32_t tenant_id, uint32_t task,
			   uint8_t family, uint32_t *class_id, uint32_t *table_id)
{
	bool found;
	size_t at = class_find(pub, tenant_id, (uint16_t)task, family, &found);

	if (!found)
		return -ENOENT;
	*class_id = pub->classes[at].class_id;
	*table_id = pub->classes[at].table_id;
	return 0;
}

uint32_t engine_pub_class_weight(const struct engine_publisher *pub, uint32_t tenant_id,
				uint32_t task, uint8_t family, uint32_t backend_id)
{
	bool found;
	size_t at = class_find(pub, tenant_id, (uint16_t)task, family, &found), i;
	const struct pub_table *t;

	if (!found)
		return 0;
	t = live_table(pub, &pub->classes[at]);
	for (i = 0; t && i < t->n; i++)
		if (t->set[i].id == backend_id)
			return t->set[i].weight;
	return 0;
}
