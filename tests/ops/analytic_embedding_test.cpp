// embedding against its definition with plain loops: y[i] = W[idx_i] for indices of any shape,
// and dW[k] = Σ_{i: idx_i = k} g_i (a scatter-add, once per pick), with nothing for the padding
// row, which the forward still reads. In float and in double.
#include <catch2/catch.hpp>

#include <vector>

#include "analytic_support.hpp"

namespace file_ops_analytic_embedding_test {  // the file's own scope: the test programs are
                                              // unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;
using std::vector;

namespace {

// y and dW by the definition, for W [num, dim] and the seed g.
struct Expected {
  vector<double> y, dw;
};
Expected by_definition(const vector<double>& w, std::size_t dim, const IndexTensor& idx,
                       const vector<double>& g, std::int64_t padding) {
  Expected e{{}, vector<double>(w.size(), 0)};
  for (std::size_t i = 0; i < idx.size(); ++i) {
    const auto k = static_cast<std::size_t>(idx[i]);
    for (std::size_t j = 0; j < dim; ++j) {
      e.y.push_back(w[k * dim + j]);
      if (idx[i] != padding) e.dw[k * dim + j] += g[i * dim + j];
    }
  }
  return e;
}

template <class T>
void check(const IndexTensor& idx, std::optional<std::int64_t> padding_idx,
           std::int64_t padding_row, const Shape& out) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const vector<double> w = values(15, 0.8), g = seed_values(out.size());
  const Var<T> vw = tape.variable(tensor_of<T>(Shape{5, 3}, w), true);
  const Var<T> y = embedding(vw, idx, padding_idx);
  REQUIRE(y.shape() == out);
  tape.backward(y, tensor_of<T>(out, g));
  const Expected e = by_definition(w, 3, idx, g, padding_row);
  expect_close(y.data(), e.y);
  expect_close(vw.grad(), e.dw);
}

}  // namespace

TEMPLATE_TEST_CASE("embedding picks rows and adds each row's gradient back once per pick",
                   "[ops][analytic][embedding]", float, double) {
  using T = TestType;
  const IndexTensor idx({2, 3}, {4, 0, 4, 2, 4, 1});  // row 4 three times, row 3 never
  check<T>(idx, {}, -1, Shape{2, 3, 3});
  check<T>(IndexTensor({4}, {1, 1, 0, 3}), {}, -1, Shape{4, 3});
  check<T>(IndexTensor(Shape{}, {2}), {}, -1, Shape{3});  // one index: one row
}

TEMPLATE_TEST_CASE("embedding's padding row is read but gets no gradient, and −1 is the last row",
                   "[ops][analytic][embedding]", float, double) {
  using T = TestType;
  const IndexTensor idx({2, 3}, {4, 0, 4, 2, 4, 1});
  check<T>(idx, 4, 4, Shape{2, 3, 3});
  check<T>(idx, -1, 4, Shape{2, 3, 3});
  check<T>(idx, 0, 0, Shape{2, 3, 3});
  check<T>(idx, -5, 0, Shape{2, 3, 3});
}

TEST_CASE("embedding's gradient, recorded, is differentiated to the rows picked again",
          "[ops][analytic][embedding]") {
  // The gradient dW = S(g), recorded, is a scatter-add of the seed g, so ⟨dW, v⟩ is linear in g
  // with ∂⟨S(g), v⟩/∂g_i = v[idx_i], 0 at the positions of the padding row.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const IndexTensor idx({3}, {2, 0, 2});
  const Var<double> w = tape.variable(tensor_of<double>(Shape{3, 2}, values(6, 0.2)), true);
  const Var<double> g = tape.variable(tensor_of<double>(Shape{3, 2}, seed_values(6)), true);
  const Var<double> dw = grad(embedding(w, idx, 0), {w}, {.create_graph = true}, g)[0];
  const vector<double> v = values(6, 1.4);
  const Var<double> pairing = sum(mul(dw, Var<double>(tensor_of<double>(Shape{3, 2}, v))));
  const Var<double> dg = grad(pairing, {g})[0];
  // idx_0 = 2, idx_1 = 0 (the padding row: 0), idx_2 = 2.
  expect_close(dg.data(), vector<double>{v[4], v[5], 0, 0, v[4], v[5]});
}

}  // namespace file_ops_analytic_embedding_test
