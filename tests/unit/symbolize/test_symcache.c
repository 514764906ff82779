// SPDX-License-Identifier: MIT
/* The symbol caches' cap: least recently used binaries go first, unless live processes map them. */
#include <unistd.h>
#include <string.h>
#include "symbolize/symbolizer.h"
#include "maps_util.h"
#include "tap.h"

static struct test_maps self_maps;
volatile int sink;

__attribute__((noinline)) int pbtest_cache_fn(int x)
{
	sink += x;
	return sink + getpid();
}

static const struct pb_mapping *mapping_of(uintptr_t addr)
{
	return test_maps_find(&self_maps, addr);
}

static const char *name_of(struct pb_symbolizer *s, uintptr_t addr)
{
	return pb_symbolizer__user(s, mapping_of(addr), addr, false);
}

static size_t bytes_after_window(struct pb_symbolizer *s, pb_symbolizer_live_fn live)
{
	struct pb_symbolizer_cache_stats st;

	pb_symbolizer__end_window(s, live, NULL);
	pb_symbolizer__cache_stats(s, &st);
	return st.bytes;
}

static uint64_t evictions(struct pb_symbolizer *s)
{
	struct pb_symbolizer_cache_stats st;

	pb_symbolizer__cache_stats(s, &st);
	return st.evictions;
}

/* Only this test binary is mapped by a "live process". */
static int self_live(void *ctx, pb_mapping_fn fn, void *fn_ctx)
{
	(void)ctx;
	return fn(fn_ctx, mapping_of((uintptr_t)pbtest_cache_fn));
}

int main(void)
{
	uintptr_t self = (uintptr_t)pbtest_cache_fn, libc = (uintptr_t)getpid;
	struct pb_symbolizer *s;
	size_t libc_bytes, both, cap;

	test_maps_read(getpid(), &self_maps);
	if (!mapping_of(self) || !mapping_of(libc) || mapping_of(self) == mapping_of(libc))
		return tap_skip_all("cannot find this binary's and libc's mappings");
	if (pb_symbolizer__new(&s))
		return tap_skip_all("no libelf");

	/* Without a cap: what each binary costs. */
	ok(strstr(name_of(s, libc), "getpid"), "libc symbolized (%s)", name_of(s, libc));
	libc_bytes = bytes_after_window(s, NULL);
	is_str(name_of(s, self), "pbtest_cache_fn", "this binary symbolized");
	both = bytes_after_window(s, NULL);
	ok(libc_bytes > 0 && both > libc_bytes, "sizes counted: libc %zu, both %zu", libc_bytes,
	   both);
	ok(evictions(s) == 0, "nothing evicted without a cap");
	/*
	 * A cap that dropping libc (the larger) satisfies and dropping this binary does not: which
	 * one goes first shows in what is left.
	 */
	cap = both - 1;

	/* Recency alone: libc was used a window before this binary, so it goes. */
	name_of(s, self);
	pb_symbolizer__set_cap(s, cap);
	ok(bytes_after_window(s, NULL) == both - libc_bytes && evictions(s) == 1,
	   "over the cap the least recently used binary goes (%llu evictions)",
	   (unsigned long long)evictions(s));
	ok(strstr(name_of(s, libc), "getpid"), "an evicted binary is read again on use");
	ok(strstr(name_of(s, libc + 1), "getpid"), "...and stays loaded within the window");

	/* A window using neither: this binary is the older one, but a live process maps it. */
	pb_symbolizer__set_cap(s, 0);
	bytes_after_window(s, NULL);
	pb_symbolizer__set_cap(s, cap);
	ok(bytes_after_window(s, self_live) == both - libc_bytes && evictions(s) == 2,
	   "binaries no live process maps go first, even when used more recently (%llu)",
	   (unsigned long long)evictions(s));
	is_str(name_of(s, self), "pbtest_cache_fn", "the live binary is still loaded");

	/* Nobody live and neither used: the older goes, and libc alone is over 7/8 of the cap. */
	pb_symbolizer__set_cap(s, 0);
	bytes_after_window(s, NULL);
	name_of(s, libc);
	bytes_after_window(s, NULL);
	/*
	 * Over the cap with both, and libc alone over 7/8 of it whatever this binary weighs (a
	 * sanitizer build of this test is far larger than the plain one).
	 */
	pb_symbolizer__set_cap(s, both - 1 < libc_bytes + libc_bytes / 8 ? both - 1
								   : libc_bytes + libc_bytes / 8);
	ok(bytes_after_window(s, NULL) == 0 && evictions(s) == 4,
	   "a trim goes on below the cap, to 7/8 of it (%llu)", (unsigned long long)evictions(s));

	/* A cap below any binary: what a window used stays, the other one goes; names stay right.
	 */
	pb_symbolizer__set_cap(s, 1);
	for (int i = 0; i < 4; i++) {
		uintptr_t addr = i % 2 ? libc : self;

		ok(strstr(name_of(s, addr), i % 2 ? "getpid" : "pbtest_cache_fn"),
		   "window %d: named under a 1-byte cap", i);
		ok(bytes_after_window(s, NULL) == (i % 2 ? libc_bytes : both - libc_bytes),
		   "window %d: only what it used is left", i);
	}
	{
		struct pb_symbolizer_cache_stats st;

		pb_symbolizer__cache_stats(s, &st);
		ok(st.evictions == 7 && st.over == 4,
		   "evictions %llu, windows over the cap by their own use %llu",
		   (unsigned long long)st.evictions, (unsigned long long)st.over);
	}
	pb_symbolizer__free(s);
	test_maps_clear(&self_maps);
	return tap_done();
}
