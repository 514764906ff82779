// SPDX-License-Identifier: MIT
/* Demangles C++ and Rust (legacy and v0) symbol names through libiberty. */
#include <stdlib.h>
#include <string.h>
#include <demangle.h>
#include "symbolizer.h"

/*
 * No DMGL_PARAMS: flame graphs read better without C++ parameter lists (they often dwarf the
 * name), and clones such as "[clone .cold]" or ".isra.0" then merge with their function. The
 * price is that overloads of one name merge into one frame; template arguments are kept, so
 * instantiations stay apart. Rust output never has parameters; without DMGL_VERBOSE libiberty
 * drops the legacy "::h<16 hex>" hash and v0 crate disambiguators.
 */
#define DEMANGLE_FLAGS (DMGL_ANSI | DMGL_AUTO)

char *pb_demangle(const char *name)
{
	if (!name || name[0] != '_')
		return NULL;
	/* Itanium ("_Z"), Rust legacy (also "_Z") and Rust v0 ("_R"); skip everything else cheaply.
	 */
	if (name[1] != 'Z' && name[1] != 'R')
		return NULL;
	return cplus_demangle(name, DEMANGLE_FLAGS);
}
