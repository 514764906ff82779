// SPDX-License-Identifier: MIT
// A small TAP producer for the node-driven s3 tests, with the project's skip rule.
'use strict';

let n = 0;
let failed = 0;

// A test line: a text's further lines (an error's stack) print as TAP comments.
function line(head, what) {
  const [first, ...rest] = String(what).split('\n');
  console.log(`${head}${first}`);
  if (rest.length) diag(rest.join('\n'));
}

function ok(cond, what, detail) {
  n++;
  line(`${cond ? '' : 'not '}ok ${n} - `, what);
  if (!cond) {
    failed++;
    if (detail !== undefined)
      console.log(`#   ${String(detail).split('\n').join('\n#   ')}`);
  }
  return cond;
}

function diag(msg) {
  console.log(`# ${String(msg).split('\n').join('\n# ')}`);
}

const noSkip = () => !!process.env.PB_TEST_NO_SKIP && process.env.PB_TEST_NO_SKIP !== '0';

// The whole test cannot run here: a skip plan (exit 0: meson's TAP reader calls 77 an error),
// or a failure when CI asked for no skips.
function skipAll(why) {
  if (noSkip()) {
    console.log('1..1');
    line('not ok 1 - ', `cannot run (PB_TEST_NO_SKIP is set): ${why}`);
    process.exit(1);
  }
  line('1..0 # SKIP ', why);
  process.exit(0);
}

function done() {
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

module.exports = { ok, diag, skipAll, done };
