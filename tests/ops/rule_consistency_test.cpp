// Each op's derivative is written once, as its vjp (or, for elementwise ops, one rule that the
// vjp, the backward loop, jvp and the label all evaluate). Where an op keeps a faster backward
// kernel (matmul, linear, sse_loss, the reductions, ...), this test holds it to the rule: for
// every case of the catalog, the gradients backward() computes equal those of the recorded vjp
// (grad with create_graph), in double and in float. And the spellings a C++ user types compile
// as they should.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "core.hpp"

namespace file_ops_rule_consistency_test {  // the file's own scope: the test programs are unity
                                            // builds

namespace {

using namespace tapegrad;

template <class T>
void check_kernels_against_rules(T tolerance) {
  std::mt19937_64 rng(99);
  for (const OpCase<T>& c : op_catalog<T>()) {
    INFO(c.op << ": " << c.description);
    std::vector<Tensor<T>> x;
    for (std::size_t k = 0; k < c.inputs.size(); ++k) {
      const Tensor<double> d = catalog_input(c, k, rng);
      Tensor<T> t(d.shape());
      for (std::size_t i = 0; i < d.size(); ++i) t[i] = static_cast<T>(d[i]);
      x.push_back(t);
    }
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    std::vector<Var<T>> vars;
    for (const Tensor<T>& t : x) vars.push_back(tape.variable(t, true));
    const Var<T> y = c.call(vars);
    Tensor<T> u(y.shape());
    for (std::size_t i = 0; i < u.size(); ++i) u[i] = static_cast<T>(0.25 + 0.5 * (i % 3));
    const std::vector<Var<T>> by_rule =
        grad(y, std::span<const Var<T>>(vars), {.create_graph = true}, Var<T>(u));
    if (y.requires_grad()) y.backward(u);  // by the kernels
    for (std::size_t k = 0; k < vars.size(); ++k) {
      const Tensor<T> kernel = vars[k].grad_tensor(), rule = by_rule[k].to_tensor();
      for (std::size_t i = 0; i < kernel.size(); ++i) {
        INFO("input " << k << ", element " << i << ": kernel " << kernel[i] << ", rule "
                      << rule[i]);
        CHECK(std::abs(kernel[i] - rule[i]) <= tolerance * (1 + std::abs(rule[i])));
      }
    }
  }
}

}  // namespace

TEST_CASE("every op's backward kernel computes what its vjp rule says", "[ops][rules]") {
  check_kernels_against_rules<double>(1e-12);
  check_kernels_against_rules<float>(1e-5f);
}

// ---- Spellings: these must compile (and the last ones must not) ----

namespace spelling {
using namespace std;
using namespace tapegrad;

// pow with an int literal is tapegrad's, even with std's names in scope too.
[[maybe_unused]] Var<double> powers(const Var<double>& b, const Var<double>& e) {
  return pow(b, 3) + pow(e, 2) + pow(2, b) + pow(b, e) + exp(b) + abs(e) + sqrt(b);
}
[[maybe_unused]] Var<float> mixed(const Var<float>& x, const Parameter<float>& w) {
  Var<float> c = x + 2;
  c += 1 + c;
  c -= 0.5 * x;
  c *= w;
  c /= 3;
  return 10.0 / c - w * 2 + (-c);
}

template <class L, class R>
concept CanAddAssign = requires(L l, R r) {
  l += r;
};
template <class L, class R>
concept CanSubtractAssign = requires(L l, R r) {
  l -= r;
};
static_assert(CanAddAssign<Var<double>&, Var<double>>);
static_assert(CanSubtractAssign<Var<double>&, double>);
// Optimizers update parameters: a compound assignment on one does not compile.
static_assert(!CanAddAssign<Parameter<double>&, Var<double>>);
static_assert(!CanSubtractAssign<Parameter<double>&, double>);
static_assert(!CanSubtractAssign<Parameter<float>&, Var<float>>);
// A Var converts to no number (so std's overloads never take one).
static_assert(!std::is_convertible_v<Var<double>, double>);
}  // namespace spelling

TEST_CASE("numbers mix with Vars on either side, and pow(b, 3) is tapegrad's", "[ops][rules]") {
  using namespace std;
  using namespace tapegrad;
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> b = variable(2.0), e = variable(-1.5);
  CHECK(pow(b, 3).item() == 8);
  CHECK(pow(e, 2).item() == 2.25);
  CHECK((1 + b).item() == 3);
  CHECK((b - 5).item() == -3);
  CHECK((10.0 / b).item() == 5);
  CHECK((b / 4).item() == 0.5);
  Var<double> c = b;
  c += c + 1;  // c is now 2 + 3 = 5, a new value; b is unchanged
  CHECK(c.item() == 5);
  CHECK(b.item() == 2);
  c.backward();
  CHECK(b.grad()[0] == 2);  // c = b + (b + 1)
}

}  // namespace file_ops_rule_consistency_test
