/* SPDX-License-Identifier: MIT */
/* What every fuzz target defines: libFuzzer's entry points (replay.c calls the same ones). */
#ifndef PB_FUZZ_H
#define PB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
