// SPDX-License-Identifier: MIT
/* User-space symbolization of this PIE, linked and dlopen'ed libraries, a Rust binary, vdso. */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <gelf.h>
#include <fcntl.h>
#include "symbolize/binary.h"
#include "symbolize/symbolizer.h"
#include "maps_util.h"
#include "tap.h"

#ifdef PB_HAVE_CXX_FIXTURE
uintptr_t pbfix_cxx_tmpl_sum_long(void);
uintptr_t pbfix_cxx_widget_spin_int(void);
int pbfix_cxx_use(int x);
#else
static int pbfix_cxx_use(int x)
{
	return x;
}
#endif

int main(void);
static struct test_maps self_maps;
volatile int sink;

/* Distinctive functions in this PIE; not leaves, so they stay real functions. */
__attribute__((noinline)) int pbtest_user_alpha(int x)
{
	sink += x;
	return sink + pbfix_cxx_use(x);
}

__attribute__((noinline)) int pbtest_user_beta(int x)
{
	return pbtest_user_alpha(x) * 2;
}

static const char *sym(struct pb_symbolizer *s, uintptr_t addr, bool is_return)
{
	const struct pb_mapping *m = test_maps_find(&self_maps, addr);

	if (!m) {
		test_maps_read(getpid(), &self_maps); /* a library was dlopen'ed since */
		m = test_maps_find(&self_maps, addr);
	}
	return pb_symbolizer__user(s, m, addr, is_return);
}

static void test_self(struct pb_symbolizer *s)
{
	uintptr_t a = (uintptr_t)pbtest_user_alpha, b = (uintptr_t)pbtest_user_beta;
	const char *before;

	is_str(sym(s, a, false), "pbtest_user_alpha", "PIE: function start");
	is_str(sym(s, a + 5, false), "pbtest_user_alpha", "PIE: inside the function");
	is_str(sym(s, b, false), "pbtest_user_beta", "PIE: a second function");
	/* A return address equal to a function's start belongs to the call before it. */
	before = sym(s, a - 1, false);
	ok(strcmp(sym(s, a, true), "pbtest_user_alpha"), "return address at start is not alpha");
	is_str(sym(s, a, true), before, "return address at start names the byte before");
	is_str(sym(s, a + 1, true), "pbtest_user_alpha", "return address one past start is alpha");
	is_str(sym(s, (uintptr_t)main, false), "main", "PIE: main");
	is_str(pb_symbolizer__user(s, NULL, a, false), "[unknown]", "no mapping: [unknown]");
}

static void test_cxx(struct pb_symbolizer *s)
{
#ifndef PB_HAVE_CXX_FIXTURE
	skip_or_fail("no C++ compiler at build time");
	return;
#else
	is_str(sym(s, pbfix_cxx_tmpl_sum_long(), false), "pbfix::tmpl_sum<long>",
	       "C++ function template in a linked library");
	is_str(sym(s, pbfix_cxx_widget_spin_int() + 2, false), "pbfix::Widget<int>::spin",
	       "C++ class template member");
	is_str(sym(s, (uintptr_t)pbfix_cxx_use, false), "pbfix_cxx_use", "extern \"C\" in C++");
#endif
}

static void *open_lib(const char *env)
{
	const char *path = getenv(env);
	void *h = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;

	ok(h != NULL, "dlopen $%s (%s): %s", env, path ? path : "unset", h ? "ok" : dlerror());
	return h;
}

static void test_dlopen(void)
{
	struct pb_symbolizer *s = NULL;
	void *h = open_lib("PBFIX_DL");

	if (!h || pb_symbolizer__new(&s))
		return;
	uintptr_t entry = (uintptr_t)dlsym(h, "pbfix_dl_entry");
	uintptr_t (*hidden)(void) = (uintptr_t(*)(void))dlsym(h, "pbfix_dl_hidden_addr");

	is_str(sym(s, entry, false), "pbfix_dl_entry", "dlopen'ed library: exported function");
	is_str(sym(s, hidden(), false), "pbfix_dl_hidden", "dlopen'ed library: static function");
	is_str(sym(s, (uintptr_t)dlsym(h, "pbfix_dl_second") + 3, true), "pbfix_dl_second",
	       "dlopen'ed library: return address inside a function");
	pb_symbolizer__free(s);
}

/* Links dir/.build-id/xx/yyyy.debug to the debug file of path's build-id. */
static int make_build_id_dir(const char *dir, const char *lib, const char *debug)
{
	struct pb_binary b = {0};
	char hex[2 * PB_BUILD_ID_MAX + 1], p[PATH_MAX];
	int fd = open(lib, O_RDONLY);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	int err = elf ? pb_binary_read_build_id(elf, &b) : -ENOENT;

	elf_end(elf);
	if (fd >= 0)
		close(fd);
	if (err)
		return err;
	for (size_t i = 0; i < b.build_id_len; i++)
		sprintf(hex + 2 * i, "%02x", b.build_id[i]);
	snprintf(p, sizeof(p), "%s/.build-id", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/.build-id/%.2s", dir, hex);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/.build-id/%.2s/%s.debug", dir, hex, hex + 2);
	unlink(p);
	return symlink(debug, p) ? -errno : 0;
}

static void test_stripped(void)
{
	struct pb_symbolizer *s = NULL, *with_debug = NULL;
	void *h = open_lib("PBFIX_DL_STRIPPED");
	const char *debug = getenv("PBFIX_DL_DEBUG");
	char dir[] = "/tmp/pb-test-debug-XXXXXX", want[256];

	if (!h || pb_symbolizer__new(&s) || pb_symbolizer__new(&with_debug))
		return;
	uintptr_t entry = (uintptr_t)dlsym(h, "pbfix_dl_entry");
	uintptr_t hidden = ((uintptr_t(*)(void))dlsym(h, "pbfix_dl_hidden_addr"))();
	const struct pb_mapping *m = test_maps_find(&self_maps, hidden);

	if (!m) {
		test_maps_read(getpid(), &self_maps);
		m = test_maps_find(&self_maps, hidden);
	}
	is_str(sym(s, entry, false), "pbfix_dl_entry",
	       "stripped library: .dynsym still names exports");
	snprintf(want, sizeof(want), "[%s+0x%" PRIx64 "]", basename((char *)m->path),
		 hidden - m->start + m->pgoff);
	is_str(sym(s, hidden, false), want, "stripped library: static function is [file+0xoffset]");

	ok(debug && mkdtemp(dir), "debug fixture and temp dir");
	if (!debug)
		return;
	ok(!make_build_id_dir(dir, m->open_path, debug), "build-id directory in %s", dir);
	ok(!pb_symbolizer__add_debug_dir(with_debug, dir), "add debug dir");
	is_str(sym(with_debug, hidden, false), "pbfix_dl_hidden",
	       "stripped library: separate debug file found by build-id");
	pb_symbolizer__free(s);
	pb_symbolizer__free(with_debug);
}

static void test_vdso(struct pb_symbolizer *s)
{
	const struct pb_mapping *m = test_maps_by_path(&self_maps, "[vdso]");
	bool found = false;

	if (!m) {
		skip_or_fail("no [vdso] mapping");
		return;
	}
	for (uint64_t a = m->start; a < m->end && !found; a += 4)
		found = strstr(pb_symbolizer__user(s, m, a, false), "clock_gettime") != NULL;
	ok(found, "[vdso] frames resolve through the kernel's vdso image");
}

/* Runs the Rust fixture, reads the addresses it prints and symbolizes them in its maps. */
static void test_rust(struct pb_symbolizer *s)
{
	const char *path = getenv("PBFIX_RUST");
	int out[2], in[2];
	unsigned long outer = 0, inner = 0;
	struct test_maps maps = {0};
	pid_t pid;

	if (!path) {
		skip_or_fail("no Rust fixture (rustc missing at build time)");
		return;
	}
	if (pipe(out) || pipe(in))
		return;
	pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(in[0], 0);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(in[0]);
	FILE *f = fdopen(out[0], "r");

	ok(f && fscanf(f, "%lx %lx", &outer, &inner) == 2, "Rust fixture printed its addresses");
	ok(!test_maps_read(pid, &maps), "read the Rust process's maps");
	is_str(pb_symbolizer__user(s, test_maps_find(&maps, outer), outer, false),
	       "pbfix_rust::pbfix_rust_spin_outer", "Rust v0 symbol, demangled");
	is_str(pb_symbolizer__user(s, test_maps_find(&maps, inner), inner + 1, true),
	       "pbfix_rust::pbfix_rust_spin_inner", "Rust v0 symbol, return address");
	if (write(in[1], "\n", 1) < 0)
		kill(pid, SIGKILL);
	close(in[1]);
	waitpid(pid, NULL, 0);
	if (f)
		fclose(f);
	test_maps_clear(&maps);
}

int main(void)
{
	struct pb_symbolizer *s = NULL;

	ok(!pb_symbolizer__new(&s), "pb_symbolizer__new");
	ok(!test_maps_read(getpid(), &self_maps) && self_maps.n > 0, "read /proc/self/maps");
	test_self(s);
	test_cxx(s);
	test_dlopen();
	test_stripped();
	test_vdso(s);
	test_rust(s);
	pb_symbolizer__free(s);
	pb_symbolizer__free(NULL);
	test_maps_clear(&self_maps);
	return tap_done();
}
