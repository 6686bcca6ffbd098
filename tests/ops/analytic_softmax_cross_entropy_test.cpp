// softmax_cross_entropy against its closed form: with p = softmax(ŷ) per row and s = Σ_k y_k,
// L = (1/n) Σ_rows −Σ_k y_k log p_k, ∂L/∂ŷ_j = g·(p_j s − y_j)/n and ∂L/∂y_j = −g·log p_j / n,
// for an incoming gradient g of the scalar loss. Every case runs in double and in float.
#include "analytic_support.hpp"

namespace file_ops_analytic_softmax_cross_entropy_test {  // the file's own scope: the test programs
                                                          // are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;
using Catch::Matchers::Contains;

namespace {

struct Expectation {
  double loss;
  std::vector<double> d_logits, d_target;
};

Expectation closed_form(const std::vector<double>& a, const std::vector<double>& y,
                        std::size_t rows, double g) {
  const std::size_t k = a.size() / rows;
  Expectation e{0.0, std::vector<double>(a.size()), std::vector<double>(a.size())};
  for (std::size_t r = 0; r < rows; ++r) {
    double z = 0, s = 0;
    for (std::size_t j = 0; j < k; ++j) z += std::exp(a[r * k + j]), s += y[r * k + j];
    for (std::size_t j = 0; j < k; ++j) {
      const double p = std::exp(a[r * k + j]) / z;
      e.loss -= y[r * k + j] * std::log(p) / static_cast<double>(rows);
      e.d_logits[r * k + j] = g * (p * s - y[r * k + j]) / static_cast<double>(rows);
      e.d_target[r * k + j] = -g * std::log(p) / static_cast<double>(rows);
    }
  }
  return e;
}

template <class T>
void check_case(const Shape& shape, const std::vector<double>& a, const std::vector<double>& y) {
  const std::size_t rows = shape.rank() == 2 ? shape[0] : 1;
  const double g = 0.75;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> logits = tape.variable(tensor_of<T>(shape, a), true);
  const Var<T> target = tape.variable(tensor_of<T>(shape, y), true);
  const Var<T> loss = softmax_cross_entropy(logits, target);
  REQUIRE(loss.shape().str() == "[]");
  tape.backward(loss, Tensor<T>(Shape{}, {T(g)}));
  const Expectation e = closed_form(a, y, rows, g);
  CHECK(static_cast<double>(loss.item()) ==
        Approx(e.loss).epsilon(tolerance<T>().epsilon).margin(tolerance<T>().margin));
  expect_close<T>(logits.grad(), e.d_logits);
  expect_close<T>(target.grad(), e.d_target);
}

}  // namespace

TEMPLATE_TEST_CASE("softmax_cross_entropy with one-hot labels: L and ∂L/∂ŷ = (p − y)/n",
                   "[ops][softmax_cross_entropy]", float, double) {
  const std::vector<double> y{0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1};  // classes 1, 0, 3
  check_case<TestType>({3, 4}, values(12, 0.4), y);
}

TEMPLATE_TEST_CASE("softmax_cross_entropy with targets that do not sum to 1 uses p·Σy − y",
                   "[ops][softmax_cross_entropy]", float, double) {
  check_case<TestType>({2, 3}, values(6, 1.1), positive_values(6, 0.2));
  check_case<TestType>({5}, values(5, 2.0), values(5, 0.7));  // one row, targets of both signs
}

TEMPLATE_TEST_CASE("softmax_cross_entropy at logits of ±1000 stays finite",
                   "[ops][softmax_cross_entropy]", float, double) {
  Tape<TestType> tape;
  TapeGuard<TestType> guard(tape);
  const Var<TestType> logits = tape.variable(Tensor<TestType>({3}, {1000, -1000, 0}), true);
  const Var<TestType> loss =
      softmax_cross_entropy(logits, Var<TestType>(Tensor<TestType>({3}, {0, 1, 0})));
  loss.backward();
  // −log p_1 = 1000 − (−1000) = 2000 exactly in the limit; p = (1, 0, 0).
  CHECK(static_cast<double>(loss.item()) == Approx(2000.0));
  CHECK(static_cast<double>(logits.grad()[0]) == Approx(1.0));
  CHECK(static_cast<double>(logits.grad()[1]) == Approx(-1.0));
  CHECK(static_cast<double>(logits.grad()[2]) == Approx(0.0).margin(1e-12));
}

TEST_CASE("softmax_cross_entropy rejects mismatched shapes and fewer than 2 classes",
          "[ops][softmax_cross_entropy][errors]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> a = tape.variable(Tensor<double>({2, 3}), true);
  CHECK_THROWS_WITH(softmax_cross_entropy(a, Var<double>(Tensor<double>({2, 4}))),
                    Contains("logits [2,3] and target [2,4]"));
  const Var<double> one = tape.variable(Tensor<double>({4, 1}), true);
  CHECK_THROWS_WITH(softmax_cross_entropy(one, Var<double>(Tensor<double>({4, 1}))),
                    Contains("k ≥ 2 classes"));
  CHECK(tape.size() == 0);  // the failed ops left nothing behind
}

}  // namespace file_ops_analytic_softmax_cross_entropy_test
