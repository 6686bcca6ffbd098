// The thread count of graph/threads.hpp: set and read, taken from the environment, refused when
// malformed, held by every thread that runs products, and deterministic: the same inputs give
// the same bits at a given count.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ops/detail/gemm.hpp"
#include "ops/detail/gemm_backend.hpp"
#include "tapegrad.hpp"

extern "C" int omp_get_max_threads() noexcept;  // libgomp, which oneDNN runs on

namespace file_core_threads_test {

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

// Sets an environment variable for one scope, restoring it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A float product large enough to be split (m·n·k ≥ kParallelGemmVolume), of values whose sums
// round differently in different orders.
struct Product {
  static constexpr std::size_t m = 192, n = 160, k = 256;
  std::vector<float> a, b;
  Product() : a(m * k), b(k * n) {
    static_assert(m * n * k >= kParallelGemmVolume);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = std::sin(float(i) * 0.37f) * 1.7f;
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = std::cos(float(i) * 0.11f) / 3.0f;
  }
  std::vector<float> run() const {
    std::vector<float> c(m * n);
    detail::gemm<float>(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
    return c;
  }
};

bool same_bits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("set_num_threads sets the count and refuses counts out of 1..1024") {
  set_num_threads(3);
  CHECK(get_num_threads() == 3);
  set_num_threads(1);
  CHECK(get_num_threads() == 1);
  CHECK_THROWS_WITH(set_num_threads(0), Contains("set_num_threads(0)") && Contains("1 to 1024"));
  CHECK_THROWS_AS(set_num_threads(-2), std::invalid_argument);
  CHECK_THROWS_AS(set_num_threads(1025), std::invalid_argument);
  CHECK(get_num_threads() == 1);  // a refused count changes nothing
}

TEST_CASE("the count comes from TAPEGRAD_NUM_THREADS, else OMP_NUM_THREADS, else the cores") {
  {
    ScopedEnv ours("TAPEGRAD_NUM_THREADS", "3"), omp("OMP_NUM_THREADS", "5");
    CHECK(detail::threads_from_environment() == 3);
  }
  {
    ScopedEnv ours("TAPEGRAD_NUM_THREADS", nullptr), omp("OMP_NUM_THREADS", "5,2");
    CHECK(detail::threads_from_environment() == 5);  // the outer level of a nested list
  }
  {
    ScopedEnv ours("TAPEGRAD_NUM_THREADS", ""), omp("OMP_NUM_THREADS", nullptr);
    const unsigned cores = std::thread::hardware_concurrency();
    CHECK(detail::threads_from_environment() == (cores == 0 ? 1 : int(cores)));
  }
  for (const char* bad : {"0", "-1", "two", "2x", " 2", "1025", "99999999999"}) {
    INFO("TAPEGRAD_NUM_THREADS=" << bad);
    ScopedEnv ours("TAPEGRAD_NUM_THREADS", bad);
    CHECK_THROWS_WITH(
        detail::threads_from_environment(),
        Contains("TAPEGRAD_NUM_THREADS=\"" + std::string(bad) + "\"") && Contains("1 to 1024"));
  }
  ScopedEnv ours("TAPEGRAD_NUM_THREADS", nullptr), omp("OMP_NUM_THREADS", "many");
  CHECK_THROWS_WITH(detail::threads_from_environment(), Contains("OMP_NUM_THREADS=\"many\""));
}

TEST_CASE("a split product gives the same bits run after run at 1 and at 2 threads") {
  const Product product;
  for (int threads : {1, 2}) {
    INFO(threads << " threads");
    set_num_threads(threads);
    const auto first = product.run();
    for (int run = 0; run < 5; ++run) CHECK(same_bits(product.run(), first));
    // And it is the product: against a sum in double.
    for (std::size_t i = 0; i < Product::m; i += 37)
      for (std::size_t j = 0; j < Product::n; j += 29) {
        double sum = 0;
        for (std::size_t p = 0; p < Product::k; ++p)
          sum += double(product.a[i * Product::k + p]) * double(product.b[p * Product::n + j]);
        CHECK(first[i * Product::n + j] == Approx(sum).margin(1e-4).epsilon(1e-5));
      }
  }
}

TEST_CASE("a product split over threads is the product, for every layout and either side split") {
  // Above the split volume, C's longer side is cut into parts: columns when n ≥ m, rows
  // otherwise. Every part must read its own rows or columns of op(A) and op(B) through the
  // strides as stored, and write only its own block of C, with alpha and beta applied once.
  struct Shape {
    std::size_t m, n, k;
  };
  const Shape shapes[] = {{70, 301, 250}, {303, 65, 256}, {17, 1000, 260}};
  for (const Shape& s : shapes) {
    REQUIRE(s.m * s.n * s.k >= kParallelGemmVolume);
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (int threads : {1, 2, 3}) {
          INFO(s.m << "×" << s.n << "×" << s.k << (ta ? " Aᵀ" : " A") << (tb ? " Bᵀ" : " B") << ", "
                   << threads << " threads");
          set_num_threads(threads);
          // Stored with rows longer than the matrix, so that a part taking the wrong stride
          // reads the padding, which holds 1e6.
          const std::size_t a_rows = ta ? s.k : s.m, a_cols = ta ? s.m : s.k;
          const std::size_t b_rows = tb ? s.n : s.k, b_cols = tb ? s.k : s.n;
          const std::size_t lda = a_cols + 3, ldb = b_cols + 5, ldc = s.n + 7;
          std::vector<float> a(a_rows * lda, 1e6f), b(b_rows * ldb, 1e6f), c(s.m * ldc, 1e6f);
          for (std::size_t i = 0; i < a_rows; ++i)
            for (std::size_t j = 0; j < a_cols; ++j)
              a[i * lda + j] = std::sin(float(i * 131 + j) * 0.37f);
          for (std::size_t i = 0; i < b_rows; ++i)
            for (std::size_t j = 0; j < b_cols; ++j)
              b[i * ldb + j] = std::cos(float(i * 71 + j) * 0.11f);
          for (std::size_t i = 0; i < s.m; ++i)
            for (std::size_t j = 0; j < s.n; ++j) c[i * ldc + j] = float(i % 7) - float(j % 5);
          const std::vector<float> c_before = c;
          const float alpha = 1.5f, beta = 0.5f;
          detail::gemm<float>(ta, tb, s.m, s.n, s.k, alpha, a.data(), lda, b.data(), ldb, beta,
                              c.data(), ldc);
          std::size_t wrong = 0, padding_touched = 0;
          for (std::size_t i = 0; i < s.m; ++i) {
            for (std::size_t j = 0; j < s.n; ++j) {
              double sum = 0;
              for (std::size_t p = 0; p < s.k; ++p)
                sum += double(ta ? a[p * lda + i] : a[i * lda + p]) *
                       double(tb ? b[j * ldb + p] : b[p * ldb + j]);
              const double want = alpha * sum + beta * double(c_before[i * ldc + j]);
              if (std::abs(double(c[i * ldc + j]) - want) > 1e-3 + 1e-4 * std::abs(want)) ++wrong;
            }
            for (std::size_t j = s.n; j < ldc; ++j) padding_touched += c[i * ldc + j] != 1e6f;
          }
          CHECK(wrong == 0);
          CHECK(padding_touched == 0);
        }
  }
  set_num_threads(1);
}

TEST_CASE("the count holds on every thread that runs products, and small products stay on one") {
  set_num_threads(3);  // not the machine's cores, which a new thread's OpenMP would default to
  const Product product;
  const auto on_main = product.run();
  std::vector<float> on_worker;
  int worker_threads = 0, after_small = 0;
  std::thread worker([&] {
    on_worker = product.run();
    worker_threads = omp_get_max_threads();
    float c = 0, a = 1, b = 2;  // a 1×1×1 product: the direct loop, no backend call
    detail::gemm<float>(false, false, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1);
    std::vector<float> x(64 * 64, 0.5f), y(64 * 64);  // the backend, below the split volume
    detail::gemm<float>(false, false, 64, 64, 64, 1.0f, x.data(), 64, x.data(), 64, 0.0f, y.data(),
                        64);
    after_small = omp_get_max_threads();
  });
  worker.join();
  CHECK(same_bits(on_worker, on_main));
  if (detail::float_gemm_backend() == "onednn") {
    // tapegrad splits the product into the count's parts and oneDNN runs each on one thread,
    // whatever OpenMP's default for a new thread is.
    CHECK(worker_threads == 1);
    CHECK(after_small == 1);
  } else {
    CHECK(detail::float_gemm_backend() == "openblas");
  }
  set_num_threads(1);
}

TEST_CASE("a training step gives the same bits at a given thread count") {
  // A 256-512-64 MLP at batch 128 in float: its products are split at 2 threads.
  auto train = [](int threads) {
    set_num_threads(threads);
    Generator generator(7);
    MLP<float> model(MLPOptions(256)
                         .layer(512, Activation::kRelu)
                         .layer(64, Activation::kIdentity)
                         .generator(&generator));
    Tensor<float> x({128, 256}), y({128, 64});
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i) * 0.013f);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::cos(float(i) * 0.07f);
    SGD<float> sgd(model.parameters(), SGDOptions(0.01));
    Tape<float>& tape = Tape<float>::current();
    for (int step = 0; step < 3; ++step) {
      tape.clear();
      Var<float> loss = mse_loss(model.forward(x), y);
      sgd.zero_grad();
      loss.backward();
      sgd.step();
    }
    std::vector<float> weights;
    for (const auto& p : model.parameters())
      weights.insert(weights.end(), p.value().data(), p.value().data() + p.value().size());
    return weights;
  };
  for (int threads : {1, 2}) {
    INFO(threads << " threads");
    CHECK(same_bits(train(threads), train(threads)));
  }
  set_num_threads(1);
}

}  // namespace file_core_threads_test
