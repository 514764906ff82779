// SPDX-License-Identifier: MIT
/* MiniDebugInfo: opens the xz-compressed ELF with a .symtab in a binary's .gnu_debugdata. */
#include <errno.h>
#include <gelf.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "debugdata.h"

int pb_xz_decode(const void *in, size_t in_size, size_t max, char **out, size_t *out_size)
{
	lzma_stream st = LZMA_STREAM_INIT;
	size_t cap = in_size * 4 < (1u << 16) ? (1u << 16) : in_size * 4;
	char *buf = NULL;
	lzma_ret r;
	int err = 0;

	/* The decoder's own memory is bounded too: a header can ask for a huge dictionary. */
	if (lzma_stream_decoder(&st, 64u << 20, 0) != LZMA_OK)
		return -ENOMEM;
	st.next_in = in;
	st.avail_in = in_size;
	do {
		if (!st.avail_out) {
			size_t used = st.total_out;
			char *nb;

			if (used >= max) {
				err = -E2BIG;
				break;
			}
			cap = cap > max ? max : cap;
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			st.next_out = (uint8_t *)buf + used;
			st.avail_out = cap - used;
			cap *= 2;
		}
		r = lzma_code(&st, LZMA_FINISH);
	} while (r == LZMA_OK);
	if (!err && r != LZMA_STREAM_END)
		err = r == LZMA_MEM_ERROR || r == LZMA_MEMLIMIT_ERROR ? -E2BIG : -EINVAL;
	if (!err) {
		*out = buf;
		*out_size = st.total_out;
	} else {
		free(buf);
	}
	lzma_end(&st);
	return err;
}

static Elf_Scn *debugdata_scn(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_PROGBITS &&
		    (n = elf_strptr(elf, shstrndx, sh.sh_name)) && !strcmp(n, ".gnu_debugdata"))
			return scn;
	}
	return NULL;
}

int pb_debugdata_open(Elf *elf, struct pb_debugdata *out)
{
	Elf_Scn *scn = debugdata_scn(elf);
	Elf_Data *d = scn ? elf_rawdata(scn, NULL) : NULL;
	struct pb_debugdata dd = {0};
	int err;

	if (!d || !d->d_buf || !d->d_size)
		return -ENOENT;
	if (d->d_size > PB_DEBUGDATA_MAX_IN)
		return -E2BIG;
	err = pb_xz_decode(d->d_buf, d->d_size, PB_DEBUGDATA_MAX_OUT, &dd.buf, &dd.size);
	if (err)
		return err;
	dd.elf = elf_memory(dd.buf, dd.size);
	if (!dd.elf || elf_kind(dd.elf) != ELF_K_ELF) {
		pb_debugdata_close(&dd);
		return -EINVAL;
	}
	*out = dd;
	return 0;
}

void pb_debugdata_close(struct pb_debugdata *dd)
{
	elf_end(dd->elf);
	free(dd->buf);
	*dd = (struct pb_debugdata){0};
}
