/* lib.c - the kv library: a hash table of items kept in a slab allocator
 * in the library's private heap, with an LRU list per slab class.
 *
 * Entry discipline (the memcached-as-a-library paper): every argument is
 * copied from the argument area into private memory before it is looked
 * at (plib_copy_in checks the range); results are built in private memory
 * and copied out only after the lock is released; a malformed call gets
 * an error code and changes nothing. */
#include "kv.h"
#include "plib_lock.h"

#define HEAP_BYTES (32 << 20)
PLIB_LIBRARY_HEAP(HEAP_BYTES);

#define NBUCKETS 65536
#define NCLASSES 16 /* chunk sizes 64 B << class: 64 B .. 2 MiB */
#define MIN_PAGE (1 << 20)

struct item {
	struct item *hnext;            /* hash chain, or free list */
	struct item *prev, *next;      /* LRU of its class: head = most recent */
	uint32_t klen, vlen, cls, state;
	uint64_t seq;                  /* store order: the newest of two copies wins */
	char data[];                   /* key, then value */
};

/* Item states. A chunk becomes LIVE only once it is complete and linked,
 * and stops being LIVE before it is unlinked: the single store that
 * changes the state is each operation's commit point, which recover()
 * relies on. */
enum { FREE, BUSY, LIVE };

struct slabclass {
	uint64_t size;
	struct item *free;
	struct item *head, *tail;
	uint64_t items;
};

static struct item *buckets[NBUCKETS];
static struct slabclass classes[NCLASSES];
/* The lock: 0, or the holding application instance + 1. */
static long lock_word;
static int ready;
static uint64_t next_seq, recoveries;

/* Every slab page, so that recover() can find every chunk. */
#define MAX_PAGES 64
static struct {
	char *base;
	uint32_t cls;
} pages[MAX_PAGES];
static uint32_t npages;

static void recover(void);

/* A key as stored: its namespace byte, then the caller's key. Keys that
 * start with '@' live in one namespace every application shares; any
 * other key lives in its application instance's own namespace. Keys are
 * copied onto the library's stack, values into the calling instance's
 * own buffer (taken from the heap on its first call): under PLIB_APPS the
 * instances share the library's data and heap, and call it at the same
 * time, but each instance makes one call at a time. */
struct key {
	char b[KV_MAX_KEY + 1];
	uint32_t n;
};
static char *buffers[PLIB_MAX_APPS];

/* Takes the lock (plib_lock.h). A holder that died mid-call cannot
 * release it; a waiter that finds its instance gone takes the lock over
 * and recovers the tables. */
static void took_over(long dead)
{
	(void)dead;
	recover();
}

static void lock(void) { plib_lock(&lock_word, took_over); }

static void unlock(void) { plib_unlock(&lock_word); }

static void init(void)
{
	for (int c = 0; c < NCLASSES; c++)
		classes[c].size = (uint64_t)64 << c;
	ready = 1;
}

/* The calling instance's value buffer: copy-in of a set, copy-out of a
 * get (never both in one call). NULL if the heap cannot hold it. */
static char *buffer(void)
{
	long app = plib_app_id();
	if (app < 0 || app >= PLIB_MAX_APPS)
		return 0;
	if (!buffers[app]) {
		lock();
		if (!buffers[app])
			buffers[app] = plib_alloc(KV_MAX_VALUE);
		unlock();
	}
	return buffers[app];
}

static uint32_t hash(const char *k, uint32_t n)
{
	uint32_t h = 2166136261u;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 16777619u;
	return h;
}

static struct item **slot(const char *k, uint32_t klen)
{
	struct item **p = &buckets[hash(k, klen) % NBUCKETS];
	while (*p && ((*p)->klen != klen || memcmp((*p)->data, k, klen)))
		p = &(*p)->hnext;
	return p;
}

static void lru_unlink(struct item *it)
{
	struct slabclass *c = &classes[it->cls];
	if (it->prev)
		it->prev->next = it->next;
	else
		c->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		c->tail = it->prev;
	c->items--;
}

static void lru_push(struct item *it)
{
	struct slabclass *c = &classes[it->cls];
	it->prev = 0;
	it->next = c->head;
	if (c->head)
		c->head->prev = it;
	else
		c->tail = it;
	c->head = it;
	c->items++;
}

/* Drops it from the table and its LRU, and frees its chunk. */
static void unlink_item(struct item *it)
{
	__atomic_store_n(&it->state, FREE, __ATOMIC_RELEASE); /* commit: it is gone */
	struct item **p = slot(it->data, it->klen);
	*p = it->hnext;
	lru_unlink(it);
	it->hnext = classes[it->cls].free;
	classes[it->cls].free = it;
}

/* A chunk of class c: free list, a new slab page, or the class's LRU tail. */
static struct item *alloc_chunk(int c)
{
	struct slabclass *sc = &classes[c];
	if (!sc->free) {
		uint64_t page = sc->size > MIN_PAGE ? sc->size : MIN_PAGE;
		char *mem = npages < MAX_PAGES ? plib_alloc(page) : 0;
		if (mem) {
			for (uint64_t off = 0; off + sc->size <= page; off += sc->size) {
				struct item *it = (struct item *)(mem + off);
				it->state = FREE;
				it->hnext = sc->free;
				sc->free = it;
			}
			pages[npages].base = mem;
			pages[npages].cls = (uint32_t)c;
			__atomic_store_n(&npages, npages + 1, __ATOMIC_RELEASE);
		} else if (sc->tail) {
			unlink_item(sc->tail); /* evict the least recently used */
		} else {
			return 0;
		}
	}
	struct item *it = sc->free;
	sc->free = it->hnext;
	return it;
}

static int class_for(uint64_t bytes)
{
	for (int c = 0; c < NCLASSES; c++)
		if (classes[c].size >= bytes)
			return c;
	return -1;
}

/* Every keyed operation starts here: set up on first use, then copy the
 * key into private memory, check its length and give it its namespace. */
static long begin(long off, long klen, struct key *k)
{
	if (!ready) {
		lock();
		if (!ready)
			init();
		unlock();
	}
	if (klen < 1 || klen > KV_MAX_KEY)
		return KV_EINVAL;
	if (plib_copy_in(k->b + 1, (uint64_t)off, (uint64_t)klen))
		return KV_EINVAL;
	k->b[0] = k->b[1] == '@' ? '@' : (char)('0' + plib_app_id());
	k->n = (uint32_t)klen + 1;
	return 0;
}

static void free_chunk(struct item *it)
{
	it->state = FREE;
	it->hnext = classes[it->cls].free;
	classes[it->cls].free = it;
}

/* Never returns: the recovery test's caller dies here (see kv_die_at). */
static void __attribute__((noreturn)) die_here(void)
{
	for (;;)
		__asm__ volatile("pause");
}

/* The critical section of a set, with the lock held: fills chunk it and
 * puts it in the table in place of any older copy of its key. The
 * numbered points are where a caller killed mid-call can leave kv;
 * kv_die_at stops at one of them (stop_at), every set passes them all
 * (stop_at -1). recover() undoes steps 1-2 and completes steps 3-4. */
static void put_item(struct item *it, const struct key *k, const char *val, uint32_t vlen, int c, long stop_at)
{
	it->state = BUSY;
	it->klen = k->n;
	it->vlen = vlen;
	it->cls = (uint32_t)c;
	it->seq = ++next_seq;
	memcpy(it->data, k->b, k->n);
	memcpy(it->data + k->n, val, vlen);
	if (stop_at == 1) /* 1: chunk filled */
		die_here();
	struct item **p = slot(k->b, k->n), *old = *p;
	it->hnext = old ? old->hnext : 0;
	*p = it; /* the new item replaces the old one in its chain */
	lru_push(it);
	if (stop_at == 2) /* 2: linked in the table */
		die_here();
	__atomic_store_n(&it->state, LIVE, __ATOMIC_RELEASE); /* commit */
	if (stop_at == 3) /* 3: committed */
		die_here();
	if (old) {
		old->state = FREE;
		lru_unlink(old);
		if (stop_at == 4) /* 4: old copy freed, not yet on its free list */
			die_here();
		free_chunk(old);
	}
}

enum { SET, ADD, REPLACE };

static long store(long key_off, long klen, long val_off, long vlen, int mode)
{
	struct key k;
	char *val = buffer();
	long r = begin(key_off, klen, &k);
	if (r)
		return r;
	if (!val)
		return KV_ENOSPC;
	if (vlen < 0 || vlen > KV_MAX_VALUE)
		return KV_E2BIG;
	if (plib_copy_in(val, (uint64_t)val_off, (uint64_t)vlen))
		return KV_EINVAL;
	int c = class_for(sizeof(struct item) + (uint64_t)k.n + (uint64_t)vlen);
	lock();
	struct item **p = slot(k.b, k.n);
	if ((mode == ADD && *p) || (mode == REPLACE && !*p)) {
		unlock();
		return mode == ADD ? KV_EEXIST : KV_ENOENT;
	}
	struct item *it = alloc_chunk(c);
	if (!it) {
		unlock();
		return KV_ENOSPC;
	}
	put_item(it, &k, val, (uint32_t)vlen, c, -1); /* slot() again: eviction may have changed the chain */
	unlock();
	return 0;
}

static long kv_set(long a, long b, long c, long d) { return store(a, b, c, d, SET); }
static long kv_add(long a, long b, long c, long d) { return store(a, b, c, d, ADD); }
static long kv_replace(long a, long b, long c, long d) { return store(a, b, c, d, REPLACE); }

static long kv_get(long key_off, long klen, long out_off, long out_cap)
{
	struct key k;
	char *out = buffer();
	long r = begin(key_off, klen, &k);
	if (r)
		return r;
	if (!out)
		return KV_ENOSPC;
	if (out_cap < 0)
		return KV_EINVAL;
	lock();
	struct item *it = *slot(k.b, k.n);
	if (!it) {
		unlock();
		return KV_ENOENT;
	}
	long vlen = it->vlen;
	if (vlen > out_cap) {
		unlock();
		return KV_E2BIG;
	}
	memcpy(out, it->data + it->klen, vlen); /* built privately... */
	lru_unlink(it);
	lru_push(it);
	unlock();
	if (plib_copy_out((uint64_t)out_off, out, (uint64_t)vlen)) /* ...copied out last */
		return KV_EINVAL;
	return vlen;
}

static long kv_delete(long key_off, long klen, long a2, long a3)
{
	struct key k;
	long r = begin(key_off, klen, &k);
	if (r)
		return r;
	lock();
	struct item *it = *slot(k.b, k.n);
	if (it)
		unlink_item(it);
	unlock();
	return it ? 0 : KV_ENOENT;
}

static long kv_incr(long key_off, long klen, long delta, long a3)
{
	struct key k;
	long r = begin(key_off, klen, &k);
	if (r)
		return r;
	lock();
	struct item *it = *slot(k.b, k.n);
	if (!it || it->vlen != 8) {
		unlock();
		return it ? KV_EINVAL : KV_ENOENT;
	}
	uint64_t v;
	memcpy(&v, it->data + it->klen, 8);
	v += (uint64_t)delta;
	v &= ~(1ULL << 63); /* stays a non-negative long */
	__builtin_memcpy(it->data + it->klen, &v, 8); /* one 8-byte store: no torn counter */
	unlock();
	return (long)v;
}

static int in_heap(const void *p)
{
	extern char plib_heap_area[];
	return (const char *)p >= plib_heap_area && (const char *)p < plib_heap_area + HEAP_BYTES;
}

/* Walks every bucket and every LRU list and cross-checks them. */
static long kv_check(long a0, long a1, long a2, long a3)
{
	uint64_t hashed = 0, listed = 0;
	lock();
	if (!ready)
		init();
	for (int b = 0; b < NBUCKETS; b++)
		for (struct item *it = buckets[b]; it; it = it->hnext) {
			if (!in_heap(it) || it->state != LIVE || it->cls >= NCLASSES || it->klen < 2 || it->klen > KV_MAX_KEY + 1 ||
			    it->vlen > KV_MAX_VALUE ||
			    sizeof(struct item) + it->klen + it->vlen > classes[it->cls].size ||
			    hash(it->data, it->klen) % NBUCKETS != (uint32_t)b || ++hashed > (1u << 30)) {
				unlock();
				return KV_ECORRUPT;
			}
		}
	for (int c = 0; c < NCLASSES; c++) {
		uint64_t n = 0;
		struct item *prev = 0;
		for (struct item *it = classes[c].head; it; prev = it, it = it->next) {
			if (!in_heap(it) || it->cls != (uint32_t)c || it->prev != prev || ++n > (1u << 30)) {
				unlock();
				return KV_ECORRUPT;
			}
		}
		if (classes[c].tail != prev || n != classes[c].items) {
			unlock();
			return KV_ECORRUPT;
		}
		listed += n;
	}
	unlock();
	return hashed == listed ? 0 : KV_ECORRUPT;
}

static long kv_count(long a0, long a1, long a2, long a3)
{
	uint64_t n = 0;
	for (int c = 0; c < NCLASSES; c++)
		n += classes[c].items;
	return (long)n;
}

/* After a holder died mid-call, rebuilds every table from the chunks
 * themselves: a LIVE chunk that is whole is kept (of two with one key,
 * the later store), anything else is freed. An operation cut short
 * before its commit point is thereby rolled back, one cut short after it
 * completed. Called with the lock held. */
static void recover(void)
{
	for (int b = 0; b < NBUCKETS; b++)
		buckets[b] = 0;
	for (int c = 0; c < NCLASSES; c++) {
		classes[c].free = classes[c].head = classes[c].tail = 0;
		classes[c].items = 0;
	}
	for (uint32_t p = 0; p < npages; p++) {
		uint32_t c = pages[p].cls;
		uint64_t size = classes[c].size, page = size > MIN_PAGE ? size : MIN_PAGE;
		for (uint64_t off = 0; off + size <= page; off += size) {
			struct item *it = (struct item *)(pages[p].base + off);
			it->cls = c;
			if (it->state != LIVE || it->klen < 2 || it->klen > KV_MAX_KEY + 1 || it->vlen > KV_MAX_VALUE ||
			    sizeof(struct item) + it->klen + it->vlen > size) {
				free_chunk(it);
				continue;
			}
			struct item **s = slot(it->data, it->klen), *old = *s;
			if (old && old->seq > it->seq) {
				free_chunk(it);
				continue;
			}
			if (old) {
				*s = old->hnext;
				lru_unlink(old);
				free_chunk(old);
				s = slot(it->data, it->klen);
			}
			it->hnext = 0;
			*s = it;
			lru_push(it);
		}
	}
	recoveries++;
}

/* For the recovery test only: runs a set of key "@victim" through the
 * same critical section as every set (put_item) and stops for good at
 * step 0 (just holding the lock) or at put_item's point `step`, as a
 * caller killed there leaves kv. Never returns: the caller is stopped past
 * its call budget, and the next caller to need the lock recovers. */
static long kv_die_at(long step, long a1, long a2, long a3)
{
	struct key k = {.b = "@@victim", .n = 8};
	lock();
	struct item *it = step >= 1 ? alloc_chunk(0) : 0;
	if (it)
		put_item(it, &k, "died-mid", 8, 0, step);
	die_here();
}

static long kv_recoveries(long a0, long a1, long a2, long a3) { return (long)recoveries; }

PLIB_EXPORT(0, kv_get);
PLIB_EXPORT(1, kv_set);
PLIB_EXPORT(2, kv_add);
PLIB_EXPORT(3, kv_replace);
PLIB_EXPORT(4, kv_delete);
PLIB_EXPORT(5, kv_incr);
PLIB_EXPORT(6, kv_check);
static long kv_heap(long a0, long a1, long a2, long a3)
{
	return (long)plib_heap_used();
}

PLIB_EXPORT(7, kv_count);
PLIB_EXPORT(8, kv_heap);
PLIB_EXPORT(9, kv_die_at);
PLIB_EXPORT(10, kv_recoveries);
