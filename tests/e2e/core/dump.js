// Node fixture for jit.sh's jitdump case (run with --allow-natives-syntax): forage -> hiveNectar.
// V8 writes jit-PID.dump through a 2 MiB stdio buffer: both are optimized first (so no code of
// theirs comes later, unflushed), then 6000 small functions are compiled so their records reach
// the file, then ARG2.ready appears.
const fs = require('fs');
function hiveNectar(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i) * 1.0001; return s; }
function forage(n) { let t = 0; for (let k = 0; k < 20; k++) t += hiveNectar(n); return t; }
const end = Date.now() + 1000 * Number(process.argv[2]);
let sink = 0;
%PrepareFunctionForOptimization(hiveNectar);
%PrepareFunctionForOptimization(forage);
sink += forage(2000) + forage(2000);
%OptimizeFunctionOnNextCall(hiveNectar);
%OptimizeFunctionOnNextCall(forage);
sink += forage(2000);
for (let i = 0; i < 6000; i++) sink += new Function('x', `return x * ${i} + ${i % 7};`)(i);
fs.writeFileSync(process.argv[3] + '.ready', '');
while (Date.now() < end) sink += forage(20000);
console.log(sink > 0 ? 'done' : '');
