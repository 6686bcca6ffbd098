// Var::grad() on values that did and did not receive a gradient: an empty span whose indexing
// throws an error naming the value, never a read of memory the gradient does not own.
#include <catch2/catch.hpp>

#include "tapegrad.hpp"

namespace file_core_var_grad_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

TEST_CASE("grad() of a value no gradient reached is empty, and indexing it names the value",
          "[core][var]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.constant(Tensor<double>({3}, {1, 2, 3}), "x");
  const Var<double> w = tape.variable(Tensor<double>({3}, {0.5, -1, 2}), true, "w");
  const Var<double> unused = tape.variable(Tensor<double>({2}, {4, 5}), true, "unused");
  const Var<double> loss = sum(mul(w, x));
  loss.backward();

  // A constant never receives a gradient; `unused` is not on the path to the loss.
  for (const Var<double>* v : {&x, &unused}) {
    INFO(v->label());
    const GradSpan<double> g = v->grad();
    CHECK(g.empty());
    CHECK(g.size() == 0);
    std::size_t visited = 0;
    for ([[maybe_unused]] double value : g) ++visited;
    CHECK(visited == 0);
    CHECK_THROWS_AS(g[0], TapeError);
    CHECK_THROWS_WITH(g[0], Contains(std::string(v->label())) &&
                                Contains("no gradient has reached") && Contains("grad_tensor()"));
    CHECK_THROWS_AS(g.front(), TapeError);
    CHECK_THROWS_AS(g.back(), TapeError);
    const Tensor<double> zeros = v->grad_tensor();
    for (double zero : zeros.values()) CHECK(zero == 0);
  }
  // An unlabelled op output, recorded after the backward pass, says which op made it.
  const Var<double> t = tanh(w);
  CHECK_THROWS_WITH(t.grad()[0], Contains("the output of tanh"));
}

TEST_CASE("grad() of a value that received a gradient reads it and refuses an index past it",
          "[core][var]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.constant(Tensor<double>({3}, {1, 2, 3}), "x");
  const Var<double> w = tape.variable(Tensor<double>({3}, {0.5, -1, 2}), true, "w");
  sum(mul(w, x)).backward();
  const GradSpan<double> g = w.grad();
  REQUIRE(g.size() == 3);
  CHECK(g[0] == 1);  // ∂Σ w_i x_i/∂w_i = x_i
  CHECK(g[1] == 2);
  CHECK(g.back() == 3);
  CHECK_THROWS_WITH(g[3], Contains("index 3 is out of range") && Contains("'w'"));
}

}  // namespace file_core_var_grad_test
