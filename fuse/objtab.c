/*
 * objtab.c - the object table of the vmfs daemon (objtab.h says what it is
 * for): two hash chains over one set of entries, by name and by id.
 *
 * What stays true in this file:
 *   - every entry is on the id chain, once per id (an id is the object's
 *     number, so one entry per object); it is on the name chain exactly
 *     when it is linked, and no two linked entries share a name;
 *   - an entry is freed only when it is neither linked nor held by the
 *     kernel (nlookup 0);
 *   - an entry's handle is closed exactly once: by whoever takes it out of
 *     the table (obj_free_locked hands it back), after objs.lock is dropped;
 *   - every access to the chains and the entries is under objs.lock, and
 *     nothing else is done while it is held (daemon.h).
 */
#include "objtab.h"
#include "daemon.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OBJ_BUCKETS 1024

struct objent {
	struct objent *next_name, *next_id;
	uint64_t       id, nlookup;
	int64_t        handle;
	bool           linked;
	char           name[CTL_NAME_MAX + 1];
};

static struct {
	pthread_mutex_t lock;
	struct objent  *by_name[OBJ_BUCKETS], *by_id[OBJ_BUCKETS];
} objs = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t name_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % OBJ_BUCKETS;
}

static struct objent *obj_by_name(const char *name)
{
	struct objent *o = objs.by_name[name_hash(name)];

	while (o && strcmp(o->name, name))
		o = o->next_name;
	return o;
}

static struct objent *obj_by_id(uint64_t id)
{
	struct objent *o = objs.by_id[id % OBJ_BUCKETS];

	while (o && o->id != id)
		o = o->next_id;
	return o;
}

/* Take @o out of the name index (it keeps its id).  Lock held. */
static void obj_unhash_name(struct objent *o)
{
	struct objent **p = &objs.by_name[name_hash(o->name)];

	while (*p != o)
		p = &(*p)->next_name;
	*p = o->next_name;
	o->linked = false;
}

/*
 * Free @o if the kernel has forgotten it and its name is gone.  Lock held.
 * Returns the handle the caller must close once the lock is dropped (0: none).
 */
static int64_t obj_maybe_free(struct objent *o)
{
	struct objent **p;
	int64_t handle = o->handle;

	if (o->nlookup || o->linked)
		return 0;
	for (p = &objs.by_id[o->id % OBJ_BUCKETS]; *p != o; p = &(*p)->next_id)
		;
	*p = o->next_id;
	free(o);
	return handle;
}

/* Close the handles a call took out of the table (0s are skipped).  Lock not held. */
static void close_handles(const int64_t *handles, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (handles[i] > 0)
			vmfs_object_close(machine, handles[i]);
}

int obj_id(const char *name, bool fresh, int64_t handle, uint64_t *id)
{
	struct objent *o;
	size_t h = name_hash(name);
	int64_t drop[2] = { 0, 0 };   /* a stale entry's handle; @handle if not kept */

	pthread_mutex_lock(&objs.lock);
	o = obj_by_name(name);
	if (o && (fresh || o->id != (uint64_t)handle)) {   /* the name names another object now */
		obj_unhash_name(o);
		drop[0] = obj_maybe_free(o);
		o = NULL;
	}
	if (!o && (o = obj_by_id((uint64_t)handle))) {
		/* this object, known by number only: its name again (ids stay unique) */
		snprintf(o->name, sizeof(o->name), "%s", name);
		o->linked = true;
		o->next_name = objs.by_name[h];
		objs.by_name[h] = o;
	} else if (!o) {
		if (!(o = calloc(1, sizeof(*o)))) {
			pthread_mutex_unlock(&objs.lock);
			drop[1] = handle;
			close_handles(drop, 2);
			return -ENOMEM;
		}
		snprintf(o->name, sizeof(o->name), "%s", name);
		o->id = (uint64_t)handle;
		o->linked = true;
		o->next_name = objs.by_name[h];
		objs.by_name[h] = o;
		o->next_id = objs.by_id[o->id % OBJ_BUCKETS];
		objs.by_id[o->id % OBJ_BUCKETS] = o;
	}
	if (!o->handle)
		o->handle = handle;
	else
		drop[1] = handle;     /* the entry holds this object open already */
	o->nlookup++;
	*id = o->id;
	pthread_mutex_unlock(&objs.lock);
	close_handles(drop, 2);
	return 0;
}

void obj_forget(uint64_t id, uint64_t n)
{
	struct objent *o;
	int64_t drop = 0;

	pthread_mutex_lock(&objs.lock);
	if ((o = obj_by_id(id))) {
		o->nlookup = o->nlookup > n ? o->nlookup - n : 0;
		drop = obj_maybe_free(o);
	}
	pthread_mutex_unlock(&objs.lock);
	close_handles(&drop, 1);
}

void obj_unlink(uint64_t id)
{
	struct objent *o;
	int64_t drop = 0;

	pthread_mutex_lock(&objs.lock);
	if ((o = obj_by_id(id)) && o->linked) {
		obj_unhash_name(o);
		drop = obj_maybe_free(o);
	}
	pthread_mutex_unlock(&objs.lock);
	close_handles(&drop, 1);
}

int obj_find(uint64_t id, struct obj_ref *ref)
{
	struct objent *o;
	int rc = -ESTALE;

	pthread_mutex_lock(&objs.lock);
	if ((o = obj_by_id(id))) {
		ref->id = id;
		ref->handle = o->handle;
		ref->linked = o->linked;
		memcpy(ref->name, o->name, sizeof(ref->name));
		rc = 0;
	}
	pthread_mutex_unlock(&objs.lock);
	return rc;
}
