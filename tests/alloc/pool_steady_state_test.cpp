// The float poolings' fast paths allocate nothing of tapegrad's own after the first step:
// avg_pool2d's and max_pool2d's oneDNN primitives are cached per shape with a reused scratchpad
// and workspace (ops/detail/pool_onednn.hpp), and max_pool2d's tiled kernel and the workspace's
// conversion reuse their per-thread buffers.
#include <catch2/catch.hpp>

#include "allocation_hooks.hpp"
#include "ops/detail/pool_onednn.hpp"
#include "tapegrad.hpp"

namespace file_alloc_pool_steady_state_test {  // the file's own scope: the test programs are
                                               // unity builds

using tapegrad::testing::allocations;
using namespace tapegrad;

TEST_CASE(
    "a step through avg_pool2d on oneDNN and the tiled max_pool2d allocates nothing after "
    "the first",
    "[alloc][avg_pool2d][max_pool2d]") {
  Generator generator(7);
  const Tensor<float> x = uniform_tensor({32, 16, 8, 8}, -1.0f, 1.0f, generator);
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  const auto step = [&] {
    tape.clear();
    const Var<float> v = tape.variable(x, true);
    const Var<float> a = avg_pool2d(v, {.kernel = {2, 2}});
    const Var<float> m = max_pool2d(v, {.kernel = {2, 2}});  // tiled: the own kernel
    const Var<float> o = max_pool2d(v, {.kernel = {3, 3}, .stride = {{2, 2}}, .padding = {1, 1}});
    sum(mul(mul(a, m), o)).backward();
  };
  step();
  const std::size_t before = allocations(), runs_before = detail::onednn_pool_runs();
  constexpr int kSteps = 10;
  for (int i = 0; i < kSteps; ++i) step();
  CHECK(allocations() - before == 0);
  // the average, its spread and the 3×3 maximum, each step
  CHECK(detail::onednn_pool_runs() - runs_before ==
        (detail::onednn_pool_built() ? 3u * kSteps : 0u));
}

}  // namespace file_alloc_pool_steady_state_test
