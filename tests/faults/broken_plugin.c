// SPDX-License-Identifier: MIT
/* A plugin file that cannot load: it needs a symbol nothing defines (dlopen RTLD_NOW fails). */
#include <profile-bee/plugin.h>

extern int pb_fault_symbol_nobody_defines(void);

const struct pb_plugin *pb_plugin_entry(void)
{
	return pb_fault_symbol_nobody_defines() ? NULL : NULL;
}
