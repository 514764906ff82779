// SPDX-License-Identifier: MIT
// A small TAP producer for the node-driven s3 tests, with the project's skip rule.
'use strict';

let n = 0;
let failed = 0;

function ok(cond, what, detail) {
  n++;
  console.log(`${cond ? '' : 'not '}ok ${n} - ${what}`);
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

// The whole test cannot run here: skip with 77, or fail when CI asked for no skips.
function skipAll(why) {
  if (noSkip()) {
    console.log(`not ok 1 - cannot run: ${why} (PB_TEST_NO_SKIP is set)\n1..1`);
    process.exit(1);
  }
  console.log(`1..0 # SKIP ${why}`);
  process.exit(77);
}

function done() {
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

module.exports = { ok, diag, skipAll, done };
