/* SPDX-License-Identifier: MIT */
/* The kernel<->user ABI of the CPython walker (python.bpf.h): process offsets, frame records. */
#ifndef PB_BPF_PYTHON_H
#define PB_BPF_PYTHON_H

/* Interpreter frames recorded per sample at most; a deeper chain ends with a truncated mark. */
#define PB_PY_MAX_FRAMES 64
/* Threads of the interpreter's list looked at to find the sampled one. */
#define PB_PY_MAX_THREADS 32

/* pb_py_stack.flags */
#define PB_PY_TRUNCATED (1u << 0) /* the chain went on past the depth, or a read failed */

/* pb_py_frame.code bit 0: this frame was the first its _PyEval_EvalFrameDefault call ran. */
#define PB_PY_ENTRY 1ull

/*
 * What the walker needs for one process (py_procs[tgid]): where the thread list starts and the
 * offsets of the few fields it reads, filled by userspace per CPython version.
 */
struct pb_py_proc {
	__u64 interp_head;   /* address of _PyRuntime.interpreters.head */
	__u16 threads_head;  /* PyInterpreterState: threads.head */
	__u16 ts_next;	     /* PyThreadState: next */
	__u16 ts_native_tid; /* PyThreadState: native_thread_id */
	__u16 ts_cframe;     /* PyThreadState: cframe (3.11, 3.12), or current_frame (3.13) */
	__u16 cframe_frame;  /* _PyCFrame: current_frame; 0xffff: ts_cframe is the frame itself */
	__u16 fr_code;	     /* _PyInterpreterFrame: f_code / f_executable */
	__u16 fr_previous;   /* _PyInterpreterFrame: previous */
	__u16 fr_instr;	     /* _PyInterpreterFrame: prev_instr / instr_ptr */
	__u16 fr_owner;	     /* _PyInterpreterFrame: owner (char) */
	__u16 fr_is_entry;   /* _PyInterpreterFrame: is_entry (3.11), 0xffff: none */
	__u8 owner_cstack;   /* owner value of shim frames (3.12+) marking an entry; 0xff: none */
	__u8 pad[3];
};

#define PB_PY_NO_FIELD 0xffff

struct pb_py_frame {
	__u64 code;  /* code object address | PB_PY_ENTRY */
	__u64 instr; /* the frame's instruction pointer (address of a code unit) */
};

/* The interpreter frames of one sample, leaf first, in py_stacks<N> under the count key's hash. */
struct pb_py_stack {
	__u32 n;
	__u32 flags; /* PB_PY_* */
	__u32 tgid;  /* the process sampled (py_stacks<N> are looked at between drains) */
	__u32 pad;
	struct pb_py_frame frames[PB_PY_MAX_FRAMES];
};

#endif
