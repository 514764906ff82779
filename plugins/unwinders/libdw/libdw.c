// SPDX-License-Identifier: MIT
/* The libdw unwinder plugin: elfutils unwinds each snapshot through a Dwfl cached per process. */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot_common.h"

/* One process as libdwfl sees it; the snapshot being unwound is swapped in per sample. */
struct dw_proc {
	Dwfl *dwfl;
	struct pb_snap_unwind *u;
	bool no_cfi; /* the walk stopped at a pc without CFI */
};

/* .eh_frame (and .debug_frame in the file itself) is all unwinding needs: no debuginfo search,
 * which would cost file system walks for every module of every process. */
static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
			char **debuginfo_file_name)
{
	return -1;
}

static int no_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		  char **file_name, Elf **elfp)
{
	return -1; /* every module is reported with its file already open */
}

static const Dwfl_Callbacks dwfl_callbacks = {
    .find_elf = no_elf,
    .find_debuginfo = no_debuginfo,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct dw_proc *dp = arg;

	/* The one thread there is: the one sampled. */
	if (*thread_argp)
		return 0;
	*thread_argp = dp;
	return dp->u->sample->tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	*thread_argp = arg;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct dw_proc *dp = arg;

	return pb_snap_read(dp->u, addr, result, sizeof(*result));
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct dw_proc *dp = arg;
	Dwarf_Word regs[PB_SNAP_NREGS];

	memcpy(regs, dp->u->regs, sizeof(regs));
	/* DWARF registers 0-16 on x86_64; 16 is the return address column, i.e. the pc. */
	if (!dwfl_thread_state_registers(thread, 0, PB_SNAP_NREGS, regs))
		return false;
	dwfl_thread_state_register_pc(thread, regs[PB_SNAP_REG_IP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
    .next_thread = next_thread,
    .get_thread = get_thread,
    .memory_read = memory_read,
    .set_initial_registers = set_initial_registers,
};

static void dw_proc_close(void *priv)
{
	struct dw_proc *dp = priv;

	if (!dp)
		return;
	if (dp->dwfl)
		dwfl_end(dp->dwfl);
	free(dp);
}

/* Reports every object with the file we already hold open, so exited processes still unwind. */
static int report(struct dw_proc *dp, const struct pb_snap_proc *p)
{
	dwfl_report_begin(dp->dwfl);
	for (uint32_t i = 0; i < p->n_objs; i++) {
		const struct pb_snap_object *o = &p->objs[i];
		const char *name = strrchr(o->bin->path, '/');
		int fd = dup(o->bin->fd); /* libdwfl closes it with the module */

		if (fd < 0)
			continue;
		/* base is the bias: ELF vaddrs are added to it, so any first vaddr works. */
		if (!dwfl_report_elf(dp->dwfl, name ? name + 1 : o->bin->path, o->bin->path, fd,
				     o->bias, true))
			close(fd);
	}
	return dwfl_report_end(dp->dwfl, NULL, NULL) ? -EINVAL : 0;
}

static int dw_proc_open(const struct pb_host *host, struct pb_snap_proc *p, void **priv)
{
	struct dw_proc *dp = calloc(1, sizeof(*dp));
	int err;

	if (!dp)
		return -ENOMEM;
	dp->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!dp->dwfl) {
		free(dp);
		return -ENOMEM;
	}
	err = report(dp, p);
	if (!err && !dwfl_attach_state(dp->dwfl, NULL, p->pid, &thread_callbacks, dp)) {
		host->log(host->session, PB_LOG_DEBUG, "libdw", "pid %u: dwfl_attach_state: %s",
			  p->pid, dwfl_errmsg(-1));
		err = -EINVAL;
	}
	if (err) {
		dw_proc_close(dp);
		return err;
	}
	*priv = dp;
	return 0;
}

/* Whether the module holding pc has an FDE for it in its .eh_frame (cached by libdwfl). */
static bool dw_has_cfi(void *priv, struct pb_snap_unwind *u, uint64_t pc)
{
	struct dw_proc *dp = priv;
	Dwfl_Module *mod = dwfl_addrmodule(dp->dwfl, pc);
	Dwarf_Frame *frame;
	Dwarf_CFI *cfi;
	Dwarf_Addr bias;

	if (!mod || !(cfi = dwfl_module_eh_cfi(mod, &bias)) ||
	    dwarf_cfi_addrframe(cfi, pc - bias, &frame))
		return false;
	free(frame);
	return true;
}

static int on_frame(Dwfl_Frame *state, void *arg)
{
	struct dw_proc *dp = arg;
	struct pb_snap_unwind *u = dp->u;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return -1;
	/* Raw return addresses, as every unwinder hands them; the core looks up pc - 1. */
	u->ips[u->n++] = pc;
	/* Where the walk ends, the frame-pointer bridge may go on from this frame. */
	u->end_frame.ip = pc;
	u->have_end_frame = !dwfl_frame_reg(state, PB_SNAP_REG_SP, &u->end_frame.sp) &&
			    !dwfl_frame_reg(state, PB_SNAP_REG_BP, &u->end_frame.bp);
	if (u->n >= u->max)
		return DWARF_CB_ABORT;
	/*
	 * Code without CFI (JIT code, V8's builtins): libdw would guess by frame pointer from
	 * registers it may not know; the glue's bridge walks it from this frame's sp and bp.
	 */
	if (!dw_has_cfi(dp, u, activation ? pc : pc - 1)) {
		dp->no_cfi = true;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

static int dw_unwind(void *priv, struct pb_snap_unwind *u)
{
	struct dw_proc *dp = priv;
	int ret;

	dp->u = u;
	dp->no_cfi = false;
	ret = dwfl_getthread_frames(dp->dwfl, u->sample->tid, on_frame, dp);
	dp->u = NULL;
	if (ret == DWARF_CB_ABORT)
		return dp->no_cfi ? -ENOENT : 0; /* a pc without CFI, or max frames */
	return ret ? -EIO : 0;
}

PB_SNAP_PLUGIN("libdw",
	       "user stack snapshots unwound in userspace by elfutils' libdw (as perf --call-graph "
	       "dwarf does)",
	       .proc_open = dw_proc_open, .proc_close = dw_proc_close, .unwind = dw_unwind,
	       .has_cfi = dw_has_cfi)
