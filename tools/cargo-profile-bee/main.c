// SPDX-License-Identifier: MIT
/* cargo-profile-bee: runs the cargo workflow, scripts/cargo.lua, with profile-bee. */
#include <stdbool.h>

#include "cargo-profile-bee.h"

int main(int argc, char **argv)
{
	struct cpb_opts o;
	bool exit_now;
	int ret = cpb_parse(argc, argv, &o, &exit_now);

	if (ret || exit_now)
		return ret;
	return cpb_exec(&o);
}
