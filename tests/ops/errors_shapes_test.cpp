// Shape errors of the ops: each message names the op and both shapes (so the user can find the
// call and see what to change), and a failed op leaves the tape exactly as it was: the same
// number of recorded ops and the same arena bytes in use.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "errors_support.hpp"
#include "tapegrad.hpp"

namespace file_ops_errors_shapes_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;
using testing::expect_shape_error;
using testing::RecordedTape;

TEST_CASE("matmul [3,4] x [5,2] is a ShapeError: \"inner sizes 4 and 5 differ\"",
          "[ops][matmul][errors]") {
  RecordedTape t;
  const Var<double> a = t.recorded({3, 4}), b = t.recorded({5, 2});
  REQUIRE(t.tape.size() == 2);
  expect_shape_error(t.tape, [&] { matmul(a, b); },
                     {"matmul", "[3,4]", "[5,2]", "inner sizes 4 and 5 differ"});
}

TEST_CASE("matmul of mismatched vectors and of a matrix with a vector names both shapes",
          "[ops][matmul][errors]") {
  RecordedTape t;
  const Var<double> u = t.recorded({3}), v = t.recorded({4}), m = t.recorded({2, 4});
  expect_shape_error(t.tape, [&] { matmul(u, v); },
                     {"matmul", "[3]", "[4]", "inner sizes 3 and 4 differ"});
  expect_shape_error(t.tape, [&] { matmul(u, m); },
                     {"matmul", "[3]", "[2,4]", "inner sizes 3 and 2 differ"});
  expect_shape_error(t.tape, [&] { matmul(m, u); },
                     {"matmul", "[2,4]", "[3]", "inner sizes 4 and 3 differ"});
}

TEST_CASE("matmul of a scalar, or of batches that do not broadcast, is a ShapeError",
          "[ops][matmul][errors]") {
  RecordedTape t;
  const Var<double> cube = t.recorded({2, 3, 4}), other = t.recorded({3, 4, 2});
  const Var<double> matrix = t.recorded({5, 2}), scalar = t.recorded({});
  expect_shape_error(t.tape, [&] { matmul(cube, other); },
                     {"matmul", "[2,3,4]", "[3,4,2]", "batch axes [2] and [3] do not broadcast"});
  expect_shape_error(t.tape, [&] { matmul(cube, matrix); },
                     {"matmul", "[2,3,4]", "[5,2]", "inner sizes 4 and 5 differ"});
  expect_shape_error(t.tape, [&] { matmul(scalar, matrix); },
                     {"matmul", "[]", "[5,2]", "a scalar cannot be multiplied as a matrix"});
}

TEST_CASE("add [2,3] with [4] is a ShapeError: they cannot be broadcast together",
          "[ops][add][errors]") {
  RecordedTape t;
  const Var<double> a = t.recorded({2, 3}), b = t.recorded({4});
  expect_shape_error(t.tape, [&] { add(a, b); },
                     {"add", "[2,3]", "[4]", "cannot be broadcast", "sizes 3 and 4"});
  expect_shape_error(t.tape, [&] { add(b, a); }, {"add", "[4]", "[2,3]", "cannot be broadcast"});
}

TEST_CASE("sub and mul of shapes that cannot broadcast name their own op and both shapes",
          "[ops][sub][mul][errors]") {
  RecordedTape t;
  const Var<double> a = t.recorded({3, 2}), b = t.recorded({2, 3}), c = t.recorded({2, 1, 3});
  expect_shape_error(t.tape, [&] { sub(a, b); }, {"sub", "[3,2]", "[2,3]", "cannot be broadcast"});
  expect_shape_error(t.tape, [&] { mul(a, b); }, {"mul", "[3,2]", "[2,3]", "cannot be broadcast"});
  // [2,1,3] with [3,2]: the last axes, 3 and 2, differ.
  expect_shape_error(t.tape, [&] { mul(c, a); }, {"mul", "[2,1,3]", "[3,2]", "sizes 3 and 2"});
}

TEST_CASE("operators + − * on unbroadcastable shapes throw the op's ShapeError",
          "[ops][add][sub][mul][errors]") {
  RecordedTape t;
  const Var<double> a = t.recorded({2, 3}), b = t.recorded({3, 2});
  expect_shape_error(t.tape, [&] { (void)(a + b); }, {"add", "[2,3]", "[3,2]"});
  expect_shape_error(t.tape, [&] { (void)(a - b); }, {"sub", "[2,3]", "[3,2]"});
  expect_shape_error(t.tape, [&] { (void)(a * b); }, {"mul", "[2,3]", "[3,2]"});
}

TEST_CASE("linear with a weight whose in-size differs from x's names x and the weight",
          "[ops][linear][errors]") {
  RecordedTape t;
  const Var<double> x = t.recorded({2, 3}), x1 = t.recorded({3});
  Parameter<double> weight(Tensor<double>({4, 5}), "weight");
  Parameter<double> bias(Tensor<double>({4}), "bias");
  expect_shape_error(t.tape, [&] { linear(x, weight, bias); },
                     {"linear", "[2,3]", "[4,5]", "3 features", "weight 5"});
  expect_shape_error(t.tape, [&] { linear(x1, weight); }, {"linear", "[3]", "[4,5]"});
}

TEST_CASE("linear with a weight that is not 2-D or an x that is not 1-D or 2-D is a ShapeError",
          "[ops][linear][errors]") {
  RecordedTape t;
  const Var<double> x = t.recorded({2, 3}), cube = t.recorded({2, 2, 3});
  Parameter<double> flat_weight(Tensor<double>({3}), "weight");
  Parameter<double> weight(Tensor<double>({4, 3}), "weight");
  expect_shape_error(t.tape, [&] { linear(x, flat_weight); }, {"linear", "weight [3]", "2-D"});
  expect_shape_error(t.tape, [&] { linear(cube, weight); }, {"linear", "input [2,2,3]", "1-D"});
}

TEST_CASE("linear with a bias that is not [out] names the bias and the weight",
          "[ops][linear][errors]") {
  RecordedTape t;
  const Var<double> x = t.recorded({2, 3});
  Parameter<double> weight(Tensor<double>({4, 3}), "weight");
  Parameter<double> short_bias(Tensor<double>({3}), "bias");
  Parameter<double> row_bias(Tensor<double>({1, 4}), "bias");
  expect_shape_error(t.tape, [&] { linear(x, weight, short_bias); },
                     {"linear", "bias [3]", "[4,3]", "expected [4]"});
  expect_shape_error(t.tape, [&] { linear(x, weight, row_bias); },
                     {"linear", "bias [1,4]", "[4,3]", "expected [4]"});
}

TEST_CASE("sse_loss and mse_loss of a prediction and a target of different shapes name both",
          "[ops][sse_loss][mse_loss][errors]") {
  RecordedTape t;
  const Var<double> prediction = t.recorded({3, 2}), target = t.recorded({2, 3});
  const Var<double> column = t.recorded({3, 1}), vector = t.recorded({3});
  expect_shape_error(t.tape, [&] { sse_loss(prediction, target); },
                     {"sse_loss", "prediction [3,2]", "target [2,3]", "same shape"});
  expect_shape_error(t.tape, [&] { mse_loss(prediction, target); },
                     {"mse_loss", "prediction [3,2]", "target [2,3]", "same shape"});
  // Same number of elements is not enough, and no broadcasting is done.
  expect_shape_error(t.tape, [&] { sse_loss(column, vector); }, {"sse_loss", "[3,1]", "[3]"});
  expect_shape_error(t.tape, [&] { mse_loss(vector, column); }, {"mse_loss", "[3]", "[3,1]"});
}

TEST_CASE("transpose of a 3-D or 1-D tensor is a ShapeError naming its shape",
          "[ops][transpose][errors]") {
  RecordedTape t;
  const Var<double> cube = t.recorded({2, 3, 4}), vector = t.recorded({3});
  expect_shape_error(t.tape, [&] { transpose(cube); }, {"transpose", "[2,3,4]", "not 2-D"});
  expect_shape_error(t.tape, [&] { transpose(vector); }, {"transpose", "[3]", "not 2-D"});
}

TEST_CASE("a failed op on parameters alone leaves an empty tape empty", "[ops][errors]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> a(Tensor<double>({3, 4}), "a"), b(Tensor<double>({5, 2}), "b");
  REQUIRE(tape.size() == 0);
  REQUIRE(tape.used_bytes() == 0);
  expect_shape_error(tape, [&] { matmul(a, b); }, {"matmul", "[3,4]", "[5,2]"});
  CHECK(tape.size() == 0);
  CHECK(tape.used_bytes() == 0);
}

TEST_CASE("after a failed op the tape records and differentiates as if it had not happened",
          "[ops][errors]") {
  RecordedTape t;
  Parameter<double> w(Tensor<double>({2, 3}, {1, 2, 3, 4, 5, 6}), "w");
  const Var<double> x = t.tape.variable(Tensor<double>({3}, {0.5, -1.0, 2.0}), true);
  expect_shape_error(t.tape, [&] { matmul(x, w); }, {"matmul", "[3]", "[2,3]"});

  // y = W·x, E = Σ y: dE/dx = Wᵀ·1 (column sums of W), dE/dW_jp = x_p.
  sum(matmul(w, x)).backward();
  const std::vector<double> dx = {1 + 4, 2 + 5, 3 + 6};
  for (std::size_t p = 0; p < 3; ++p) {
    CHECK(x.grad()[p] == Approx(dx[p]).epsilon(1e-12));
    CHECK(w.grad()[p] == Approx(x.data()[p]).epsilon(1e-12));
    CHECK(w.grad()[3 + p] == Approx(x.data()[p]).epsilon(1e-12));
  }
}

TEST_CASE("a failed op in float leaves the tape as it was too", "[ops][errors][float]") {
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  const Var<float> a = tape.variable(Tensor<float>({2, 3}), true);
  const Var<float> b = sigmoid(tape.variable(Tensor<float>({4}), true));
  const std::size_t size_before = tape.size(), used_before = tape.used_bytes();
  try {
    add(a, b);
    FAIL("expected a ShapeError, but the op succeeded");
  } catch (const ShapeError& e) {
    CHECK_THAT(e.what(), Contains("add") && Contains("[2,3]") && Contains("[4]"));
  }
  CHECK(tape.size() == size_before);
  CHECK(tape.used_bytes() == used_before);
}

}  // namespace file_ops_errors_shapes_test
