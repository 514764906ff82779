// SPDX-License-Identifier: MIT
/* The spool: objects wait in a bounded local directory until the store has them, across runs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s3.h"

/*
 * One file per object, named "<window start ns>-<pid>-<seq>-<index>.obj" so that the name
 * order is the order to send in (windows by time, a window's objects in order, the metadata
 * last). The file is a small text header ("key: ...", "content-type: ...", blank line) and
 * the body. Files appear by rename, so a crash never leaves half an object to send.
 */
#define SPOOL_MAGIC  "pb-s3-spool 1\n"
#define SPOOL_SUFFIX ".obj"

struct s3_spool {
	char *dir;
	uint64_t max_bytes;
	const struct pb_host *host;
	pthread_mutex_t lock; /* the writer adds and drops, the sender reads and removes */
	uint64_t seq;
};

static int mkdir_p(const char *path)
{
	char *copy = strdup(path);
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (char *p = copy + 1; !err; p++) {
		bool end = !*p;

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) && errno != EEXIST)
			err = -errno;
		if (end)
			break;
		*p = '/';
	}
	free(copy);
	return err;
}

int s3_spool__open(const char *dir, uint64_t max_bytes, const struct pb_host *host,
		   struct s3_spool **ret)
{
	struct s3_spool *sp;
	int err = mkdir_p(dir);

	if (err)
		return err;
	if (access(dir, W_OK | X_OK))
		return -errno;
	if (!(sp = calloc(1, sizeof(*sp))) || !(sp->dir = strdup(dir))) {
		free(sp);
		return -ENOMEM;
	}
	sp->max_bytes = max_bytes;
	sp->host = host;
	pthread_mutex_init(&sp->lock, NULL);
	*ret = sp;
	return 0;
}

void s3_spool__free(struct s3_spool *sp)
{
	if (!sp)
		return;
	pthread_mutex_destroy(&sp->lock);
	free(sp->dir);
	free(sp);
}

const char *s3_spool__dir(const struct s3_spool *sp)
{
	return sp->dir;
}

static int is_entry(const struct dirent *d)
{
	size_t len = strlen(d->d_name), slen = strlen(SPOOL_SUFFIX);

	return d->d_name[0] != '.' && len > slen && !strcmp(d->d_name + len - slen, SPOOL_SUFFIX);
}

/* The entries in send order; caller frees. Returns the count or -errno. */
static int list(struct s3_spool *sp, struct dirent ***names)
{
	int n = scandir(sp->dir, names, is_entry, alphasort);

	return n < 0 ? -errno : n;
}

static void free_list(struct dirent **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static uint64_t entry_size(struct s3_spool *sp, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", sp->dir, name);
	return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

static int read_entry(struct s3_spool *sp, const char *name, struct s3_object *o)
{
	char path[4096], line[2048];
	long body_at, end;
	FILE *f;
	int err = -EBADMSG;

	memset(o, 0, sizeof(*o));
	snprintf(path, sizeof(path), "%s/%s", sp->dir, name);
	if (!(f = fopen(path, "r")))
		return -errno;
	if (!fgets(line, sizeof(line), f) || strcmp(line, SPOOL_MAGIC))
		goto out;
	while (fgets(line, sizeof(line), f) && strcmp(line, "\n")) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "key: ", 5) && !o->key)
			o->key = strdup(line + 5);
		else if (!strncmp(line, "content-type: ", 14) && !o->content_type)
			o->content_type = strdup(line + 14);
	}
	if (!o->key || !o->content_type || (body_at = ftell(f)) < 0 || fseek(f, 0, SEEK_END) ||
	    (end = ftell(f)) < body_at || fseek(f, body_at, SEEK_SET))
		goto out;
	o->len = end - body_at;
	if (!(o->body = malloc(o->len ? o->len : 1))) {
		err = -ENOMEM;
		goto out;
	}
	if (fread(o->body, 1, o->len, f) == o->len)
		err = 0;
out:
	fclose(f);
	if (err)
		s3_object_free_fields(o);
	return err;
}

/* Makes room for need more bytes by dropping the oldest entries; each drop is reported. */
static void make_room(struct s3_spool *sp, uint64_t need)
{
	struct dirent **names;
	uint64_t total = 0;
	int n = list(sp, &names);

	if (n < 0)
		return;
	for (int i = 0; i < n; i++)
		total += entry_size(sp, names[i]->d_name);
	for (int i = 0; i < n && total + need > sp->max_bytes; i++) {
		struct s3_object o;
		char path[4096];
		bool known;

		total -= entry_size(sp, names[i]->d_name);
		snprintf(path, sizeof(path), "%s/%s", sp->dir, names[i]->d_name);
		known = !read_entry(sp, names[i]->d_name, &o);

		sp->host->log(sp->host->session, PB_LOG_ERROR, S3_WHO,
			      "spool '%s' is full (%llu MiB): dropped '%s', never uploaded",
			      sp->dir, (unsigned long long)(sp->max_bytes >> 20),
			      known ? o.key : names[i]->d_name);
		if (known)
			s3_object_free_fields(&o);
		unlink(path);
	}
	free_list(names, n);
}

static int write_entry(struct s3_spool *sp, const char *name, const struct s3_object *o)
{
	char tmp[4096], path[4096];
	FILE *f;
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", sp->dir, name);
	snprintf(path, sizeof(path), "%s/%s", sp->dir, name);
	if (!(f = fopen(tmp, "w")))
		return -errno;
	if (fprintf(f, SPOOL_MAGIC "key: %s\ncontent-type: %s\n\n", o->key, o->content_type) < 0 ||
	    fwrite(o->body, 1, o->len, f) != o->len || fflush(f) || fsync(fileno(f)))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int s3_spool__add(struct s3_spool *sp, uint64_t start_ns, const struct s3_object *objs, int n)
{
	uint64_t need = 0;
	char name[128];
	int err = 0;

	for (int i = 0; i < n; i++)
		need += objs[i].len + strlen(objs[i].key) + 64;
	pthread_mutex_lock(&sp->lock);
	make_room(sp, need);
	sp->seq++;
	for (int i = 0; i < n && !err; i++) {
		snprintf(name, sizeof(name), "%020llu-%07d-%06llu-%02d" SPOOL_SUFFIX,
			 (unsigned long long)start_ns, (int)getpid(), (unsigned long long)sp->seq,
			 i);
		err = write_entry(sp, name, &objs[i]);
	}
	pthread_mutex_unlock(&sp->lock);
	return err;
}

int s3_spool__oldest(struct s3_spool *sp, char *name, size_t name_len, struct s3_object *o)
{
	struct dirent **names;
	int n, err = -ENOENT;

	pthread_mutex_lock(&sp->lock);
	n = list(sp, &names);
	for (int i = 0; i < n && err; i++) {
		err = read_entry(sp, names[i]->d_name, o);
		if (err == -EBADMSG) {
			/* Not ours, or torn by a full disk: keep it aside rather than retry it. */
			char from[4096], to[4200];

			snprintf(from, sizeof(from), "%s/%s", sp->dir, names[i]->d_name);
			snprintf(to, sizeof(to), "%s.bad", from);
			rename(from, to);
			sp->host->log(sp->host->session, PB_LOG_WARN, S3_WHO,
				      "spool: '%s' is unreadable, renamed to '%s'", from, to);
			err = -ENOENT;
			continue;
		}
		if (!err)
			snprintf(name, name_len, "%s", names[i]->d_name);
	}
	if (n >= 0)
		free_list(names, n);
	else
		err = n;
	pthread_mutex_unlock(&sp->lock);
	return err;
}

int s3_spool__remove(struct s3_spool *sp, const char *name)
{
	char path[4096];
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", sp->dir, name);
	pthread_mutex_lock(&sp->lock);
	if (unlink(path) && errno != ENOENT)
		err = -errno;
	pthread_mutex_unlock(&sp->lock);
	return err;
}

size_t s3_spool__count(struct s3_spool *sp)
{
	struct dirent **names;
	int n;

	pthread_mutex_lock(&sp->lock);
	n = list(sp, &names);
	if (n > 0)
		free_list(names, n);
	pthread_mutex_unlock(&sp->lock);
	return n > 0 ? (size_t)n : 0;
}
