// SPDX-License-Identifier: MIT
/* Unit tests of pb_escape, the one sanitizer between text from outside and the terminal. */
#include <stdbool.h>

#include "log.h"
#include "tap.h"

static const char *esc(const char *s, size_t n, size_t len)
{
	static char out[4096];

	pb_escape(out, len, s, n);
	return out;
}

#define ESC(lit, len) esc(lit, sizeof(lit) - 1, len)

int main(void)
{
	char big[3000];

	is_str(ESC("plain text, 100%", 64), "plain text, 100%", "plain ASCII is kept");
	is_str(ESC("\x1b[2J\x1b[Hcleared", 64), "\\x1b[2J\\x1b[Hcleared",
	       "ESC sequences are shown, not run");
	is_str(ESC("bad\rprofile-bee: forged\nline", 64), "bad\\rprofile-bee: forged\\nline",
	       "CR and LF cannot forge a line");
	is_str(ESC("a\tb\x7f\x01", 64), "a\\tb\\x7f\\x01", "TAB, DEL and other C0");
	is_str(ESC("csi\xc2\x9b"
		   "31m",
		   64),
	       "csi\\u009b31m", "C1 (U+009B, a CSI) as UTF-8");
	is_str(ESC("raw\x9b\xff\xc3", 64), "raw\\x9b\\xff\\xc3", "bytes that are not UTF-8");
	is_str(ESC("\xe2\x80\xae"
		   "txt.exe",
		   64),
	       "\\u202etxt.exe", "a bidi override");
	is_str(ESC("caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x90\x9d", 64),
	       "caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x90\x9d", "UTF-8 text is kept");
	is_str(ESC("\xc0\xaf\xed\xa0\x80", 64), "\\xc0\\xaf\\xed\\xa0\\x80",
	       "overlong forms and surrogates are not text");
	is_str(ESC("nul\0after", 64), "nul\\x00after", "a NUL inside the given length");
	is_str(ESC("0123456789", 8), "0123...", "cut to fit, marked");
	is_str(ESC("ab\x1b\x1b\x1b", 9), "ab...", "never half an escape");
	is_str(ESC("ab\xe6\x97\xa5\xe6\x97\xa5", 8), "ab...", "never half a character");
	is_str(ESC("0123456", 8), "0123456", "exactly fits: no mark");
	memset(big, 0x1b, sizeof(big));
	ok(strlen(esc(big, sizeof(big), 2048)) < 2048, "a long hostile body stays bounded");
	return tap_done();
}
