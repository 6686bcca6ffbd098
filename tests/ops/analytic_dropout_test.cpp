// dropout: PyTorch cannot draw tapegrad's mask, so instead of a differential test its statistics
// and its contract are checked here: the fraction kept is 1 − p within sampling error over 10⁵
// elements, every kept value is x·(1/(1 − p)) exactly and every other is 0, the gradient is the
// same mask and factor (∂y/∂x = m/(1 − p)), read from the tape and not drawn again, the same
// generator state gives the same mask, and eval, p = 0 and p = 1 do what torch does.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "analytic_support.hpp"

namespace file_ops_analytic_dropout_test {  // the file's own scope: the test programs are unity
                                            // builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE("dropout keeps 1 − p of the elements and scales them by exactly 1/(1 − p)",
                   "[ops][analytic][dropout]", float, double) {
  using T = TestType;
  const std::size_t n = 100000;
  const Tensor<T> x = tensor_of<T>(Shape{n}, positive_values(n, 0.5));  // no zeros
  for (const double p : {0.1, 0.5, 0.9}) {
    INFO("p = " << p);
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    Generator generator(2026);
    const Var<T> vx = tape.variable(x, true);
    const Var<T> y = dropout(vx, p, true, generator);
    const T factor = static_cast<T>(1 / (1 - p));
    std::size_t kept = 0, exact = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (y.data()[i] == 0) continue;
      ++kept;
      if (y.data()[i] == x[i] * factor) ++exact;
    }
    CHECK(exact == kept);  // every element is 0 or x·(1/(1 − p)), bit for bit
    // The kept count is binomial(n, 1 − p): within 5 standard deviations of n(1 − p).
    const double sd = std::sqrt(static_cast<double>(n) * p * (1 - p));
    CHECK(std::abs(static_cast<double>(kept) - static_cast<double>(n) * (1 - p)) < 5 * sd);

    // ∂y/∂x = m/(1 − p): g times the factor where kept, 0 where dropped.
    const std::vector<double> g = seed_values(n);
    generator.seed(99);  // the generator moves on; backward reads the mask from the tape
    dropout(tape.variable(x, false), p, true, generator);
    tape.backward(y, tensor_of<T>(Shape{n}, g));
    std::size_t matching = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (vx.grad()[i] == (y.data()[i] != 0 ? static_cast<T>(g[i]) * factor : T(0))) ++matching;
    CHECK(matching == n);
  }
}

TEMPLATE_TEST_CASE("dropout draws the same mask from the same generator state",
                   "[ops][analytic][dropout]", float, double) {
  using T = TestType;
  const Tensor<T> x = tensor_of<T>(Shape{8, 16}, positive_values(128, 1.5));
  const auto mask_of = [&](Generator& generator) {
    const Var<T> y = dropout(Var<T>(x), 0.5, true, generator);
    std::vector<bool> kept;
    for (const T v : y.data()) kept.push_back(v != 0);
    return kept;
  };
  Generator a(7), b(7), c(8);
  const std::vector<bool> first = mask_of(a);
  CHECK(mask_of(b) == first);  // the same seed: the same bits
  CHECK(mask_of(c) != first);  // another seed: another mask
  CHECK(mask_of(a) != first);  // the generator has moved on
  // Without a generator, the thread's default one, which manual_seed reseeds.
  manual_seed(7);
  const Var<T> y = dropout(Var<T>(x), 0.5, true);
  std::vector<bool> from_default;
  for (const T v : y.data()) from_default.push_back(v != 0);
  CHECK(from_default == first);
}

TEMPLATE_TEST_CASE("dropout in eval or with p = 0 is x itself, and p = 1 gives zeros",
                   "[ops][analytic][dropout]", float, double) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> x = tape.variable(tensor_of<T>(Shape{2, 3}, values(6, 0.1)), true);
  Generator generator(3), untouched(3);
  const std::size_t recorded = tape.size();
  for (const auto& [p, training] : {std::pair{0.5, false}, {0.0, true}, {1.0, false}}) {
    const Var<T> y = dropout(x, p, training, generator);
    CHECK(y.value() == x.value());  // the same value, not a copy
  }
  CHECK(tape.size() == recorded);               // nothing recorded
  CHECK(generator.bits() == untouched.bits());  // nothing drawn

  const Var<T> zeros = dropout(x, 1.0, true, generator);
  for (const T v : zeros.data()) CHECK(v == 0);
  tape.backward(sum(zeros));
  for (const T v : x.grad()) CHECK(v == 0);
}

TEST_CASE("dropout refuses p outside [0, 1], naming it", "[ops][dropout][errors]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(Tensor<double>::full(Shape{3}, 1.0), true);
  for (const double p : {-0.1, 1.5, std::nan("")}) {
    INFO("p = " << p);
    const std::size_t used = tape.used_bytes();
    CHECK_THROWS_AS(dropout(x, p, true), Error);
    CHECK_THROWS_WITH(dropout(x, p, false), Catch::Contains("dropout") && Catch::Contains("p = ") &&
                                                Catch::Contains("outside [0, 1]"));
    CHECK(tape.used_bytes() == used);
  }
  CHECK_THROWS_WITH(dropout(x, 1.5, true), Catch::Contains("p = 1.5"));
}

}  // namespace file_ops_analytic_dropout_test
