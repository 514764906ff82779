// Node fixture for jit.sh: forage -> hiveNectar until go-late appears, then pollinate -> lateBloom
// (compiled only then, so its perf map lines come after the profiler's first read).
const fs = require('fs');
function hiveNectar(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i) * 1.0001; return s; }
function forage(n) { let t = 0; for (let k = 0; k < 20; k++) t += hiveNectar(n); return t; }
function lateBloom(n) { let s = 0; for (let i = 0; i < n; i++) s += (i % 7) * 1.5; return s; }
function pollinate(n) { let t = 0; for (let k = 0; k < 20; k++) t += lateBloom(n); return t; }
const end = Date.now() + 1000 * Number(process.argv[2]);
const flag = process.argv[3];
let sink = 0, late = false;
fs.writeFileSync(flag + '.ready', '');
while (Date.now() < end) {
	late = late || fs.existsSync(flag);
	sink += late ? pollinate(20000) : forage(20000);
}
console.log(sink > 0 ? 'done' : '');
