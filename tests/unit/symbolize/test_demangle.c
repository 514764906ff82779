// SPDX-License-Identifier: MIT
/* pb_demangle on real symbols produced by g++ and rustc (legacy and v0 mangling). */
#include <stdlib.h>
#include "symbolize/symbolizer.h"
#include "tap.h"

static void check(const char *mangled, const char *want)
{
	char *got = pb_demangle(mangled);

	if (want)
		is_str(got, want, "%s", mangled);
	else
		ok(!got, "%s is not mangled (got '%s')", mangled, got ? got : "");
	free(got);
}

int main(void)
{
	/* g++ 12: a class template member and a function template (parameter lists dropped). */
	check("_ZN5pbfix6WidgetIiE4spinEi", "pbfix::Widget<int>::spin");
	check("_ZN5pbfix8tmpl_sumIdEET_S1_S1_", "pbfix::tmpl_sum<double>");
	check("_ZNSt6vectorIiSaIiEE9push_backERKi",
	      "std::vector<int, std::allocator<int> >::push_back");
	/* GCC clones merge with their function. */
	check("_ZN3foo3barEv.isra.0", "foo::bar");
	check("_Z3fooi.cold", "foo");
	/* rustc legacy: the h<16 hex> hash goes, $u7b$-style escapes are decoded. */
	check("_ZN4core3ptr13drop_in_place17h0123456789abcdefE", "core::ptr::drop_in_place");
	check("_ZN1r10spin_outer17hfd241e4dbf9f7ae5E", "r::spin_outer");
	check("_ZN1r10spin_outer17hfd241e4dbf9f7ae5E.llvm.123456", "r::spin_outer");
	check("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17ha86af84d9cc65291E",
	      "std::rt::lang_start::{{closure}}");
	/* rustc -C symbol-mangling-version=v0: crate disambiguators are hidden. */
	check("_RNvCs6GmmlP4bgsG_1r10spin_outer", "r::spin_outer");
	check("_RNvCsdmwTHoclVe6_10pbfix_rust21pbfix_rust_spin_outer",
	      "pbfix_rust::pbfix_rust_spin_outer");
	check("_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeNtNtCslNYArtu3iFV_5alloc6string6String"
	      "ECsdmwTHoclVe6_10pbfix_rust",
	      "core::ptr::drop_in_place::<alloc::string::String>");
	/* Not mangled, or not valid. */
	check("main", NULL);
	check("vfs_read", NULL);
	check("_start", NULL);
	check("_ZZZ", NULL);
	ok(!pb_demangle(NULL), "NULL is not mangled");
	return tap_done();
}
