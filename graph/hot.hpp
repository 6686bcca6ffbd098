// TAPEGRAD_HOT marks the functions that every training step of a small model runs (recording,
// the backward engine, the small products, the optimizers' updates). GCC and Clang put hot
// functions together in .text.hot, whatever object or link order they come from, so the step's
// code sits in one stretch of memory: scattered over the library, its cache lines collided in
// the 8-way instruction cache and evicted one another on every step (cachegrind: 6 misses per
// 4-8-1 step, about 30 ns; bench/RESULTS.md, "The op rewrite of issue 20").
#pragma once

#if defined(__GNUC__)
#define TAPEGRAD_HOT [[gnu::hot]]
#else
#define TAPEGRAD_HOT
#endif
