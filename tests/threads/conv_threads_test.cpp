// The float convolution on oneDNN follows set_num_threads as the products do: a convolution large
// enough to split runs on the count on every thread that runs one (OpenMP's count is per thread),
// small ones on one thread, and a given count gives the same bits run after run.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "ops/detail/conv_onednn.hpp"
#include "tapegrad.hpp"

// libgomp's, which oneDNN runs on; weak, since a TAPEGRAD_GEMM=blas build links no OpenMP (and
// then never calls it).
extern "C" int omp_get_max_threads() noexcept __attribute__((weak));

namespace file_threads_conv_threads_test {  // the file's own scope: the test programs are unity
                                            // builds

using namespace tapegrad;

namespace {

// y, dx and dW of sum(conv2d(x, W)²) for x [n, 16, 16, 16] and W [32, 16, 3, 3], padding 1.
std::vector<float> conv_step(std::size_t n) {
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  Tensor<float> x({n, 16, 16, 16}), w({32, 16, 3, 3});
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i) * 0.011f);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::cos(float(i) * 0.05f) * 0.1f;
  const Var<float> vx = tape.variable(x, true), vw = tape.variable(w, true);
  const Var<float> y = conv2d(vx, vw, {}, {.padding = {1, 1}});
  sum(mul(y, y)).backward();
  std::vector<float> out(y.data().begin(), y.data().end());
  for (const Var<float>* v : {&vx, &vw}) {
    const Tensor<float> g = v->grad_tensor();
    out.insert(out.end(), g.values().begin(), g.values().end());
  }
  return out;
}

bool same_bits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("a split float convolution gives the same bits run after run at 1 and at 2 threads",
          "[threads][conv2d]") {
  // 32·32·16·16·144 ≈ 3.8e7 multiply-adds per pass: split from kParallelGemmVolume on.
  static_assert(32 * 32 * 16 * 16 * 144 >= kParallelGemmVolume);
  std::vector<float> at_one;
  for (int threads : {1, 2}) {
    INFO(threads << " threads");
    set_num_threads(threads);
    const std::vector<float> first = conv_step(32);
    for (int run = 0; run < 3; ++run) CHECK(same_bits(conv_step(32), first));
    if (threads == 1) at_one = first;
    REQUIRE(first.size() == at_one.size());
    for (std::size_t i = 0; i < first.size(); i += 97)
      CHECK(first[i] == Approx(at_one[i]).epsilon(1e-4).margin(1e-3));
  }
  set_num_threads(1);
}

TEST_CASE("the count holds for convolutions on a new thread, and small ones stay on one",
          "[threads][conv2d]") {
  set_num_threads(3);  // not the machine's cores, which a new thread's OpenMP would default to
  int after_large = 0, after_small = 0;
  const bool onednn = detail::onednn_conv_built();
  std::thread worker([&] {
    conv_step(32);
    if (onednn) after_large = omp_get_max_threads();
    conv_step(1);  // 1·32·16·16·144 multiply-adds: one thread
    if (onednn) after_small = omp_get_max_threads();
  });
  worker.join();
  if (onednn) {
    CHECK(after_large == 3);
    CHECK(after_small == 1);
  } else {
    SUCCEED("built without oneDNN: convolutions run on im2col and the GEMM backend");
  }
  set_num_threads(1);
}

}  // namespace file_threads_conv_threads_test
