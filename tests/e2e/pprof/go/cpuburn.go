// SPDX-License-Identifier: MIT
// A Go program whose CPU profile (runtime/pprof) the pprof reader is tested on: a known chain
// main.pbgoAlpha -> main.pbgoBeta -> main.pbgoBurn burning one second; writes os.Args[1].
package main

import (
	"os"
	"runtime/pprof"
	"time"
)

var sink uint64

//go:noinline
func pbgoBurn(n int) uint64 {
	x := uint64(n)
	for i := 0; i < 1000000; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

//go:noinline
func pbgoBeta(n int) uint64 { return pbgoBurn(n) + 1 }

//go:noinline
func pbgoAlpha(n int) uint64 { return pbgoBeta(n) + 1 }

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	end := time.Now().Add(time.Second)
	for i := 0; time.Now().Before(end); i++ {
		sink += pbgoAlpha(i)
	}
	pprof.StopCPUProfile()
	f.Close()
}
