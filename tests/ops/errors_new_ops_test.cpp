// Shape and index errors of the op vocabulary beyond the products: each names the op and the
// shapes (or the axis, or the bad index with its range), and leaves the tape as it was, composite
// ops (the losses, stack) included.
#include <catch2/catch.hpp>

#include "errors_support.hpp"

namespace file_ops_errors_new_ops_test {  // the file's own scope: the test programs are unity
                                          // builds

using namespace tapegrad;
using testing::expect_shape_error;
using testing::RecordedTape;

TEST_CASE("elementwise ops name both shapes that do not broadcast, where all three",
          "[ops][errors]") {
  RecordedTape t;
  const Var<double> a = t.recorded({2, 3}), b = t.recorded({4}), c = t.recorded({3});
  const Var<double> mask = a > 0;
  expect_shape_error(t.tape, [&] { div(a, b); }, {"div", "[2,3]", "[4]", "cannot be broadcast"});
  expect_shape_error(t.tape, [&] { pow(a, b); }, {"pow", "[2,3]", "[4]"});
  expect_shape_error(t.tape, [&] { maximum(b, a); }, {"maximum", "[4]", "[2,3]"});
  expect_shape_error(t.tape, [&] { where(mask, c, b); }, {"where", "[2,3]", "[3]", "[4]"});
  expect_shape_error(t.tape, [&] { gt(a, b); }, {"gt", "[2,3]", "[4]"});
}

TEST_CASE("reductions and softmax name an axis out of range or given twice", "[ops][errors]") {
  RecordedTape t;
  const Var<double> a = t.recorded({2, 3}), empty = t.recorded({0, 2}), scalar = t.recorded({});
  expect_shape_error(t.tape, [&] { sum(a, 2); },
                     {"sum", "axis 2", "[2,3]", "axes run from -2 to 1"});
  expect_shape_error(t.tape, [&] { mean(a, {0, -2}); }, {"mean", "axis -2", "given twice"});
  expect_shape_error(t.tape, [&] { softmax(a, -3); }, {"softmax", "axis -3", "[2,3]"});
  expect_shape_error(t.tape, [&] { amax(empty, 0); }, {"amax", "[0,2]", "no elements"});
  expect_shape_error(t.tape, [&] { max(scalar, 0); }, {"max", "[]", "a scalar has no axis"});
}

TEST_CASE("shape ops name the shapes and the axes", "[ops][errors]") {
  RecordedTape t;
  const Var<double> a = t.recorded({2, 3}), b = t.recorded({2, 4}), c = t.recorded({3});
  expect_shape_error(t.tape, [&] { permute(a, {0, 0}); }, {"permute", "axis 0", "twice"});
  expect_shape_error(t.tape, [&] { permute(a, {1}); }, {"permute", "[2,3]", "rank 2", "1 axes"});
  expect_shape_error(t.tape,
                     [&] {
                       cat({a, b}, 0);
                     },
                     {"cat", "part 1", "[2,4]", "[2,3]", "every axis but 0"});
  expect_shape_error(t.tape, [&] { stack({a, c}); }, {"stack", "part 1", "[3]", "[2,3]"});
  expect_shape_error(t.tape, [&] { slice(a, 1, 0, 2, 0); }, {"slice", "step 0", "[2,3]"});
  expect_shape_error(t.tape, [&] { reshape(a, Shape{4}); }, {"reshape", "[2,3]", "[4]"});
  expect_shape_error(t.tape, [&] { flatten(a, 1, 0); }, {"flatten", "start_dim 1", "end_dim 0"});
  expect_shape_error(t.tape, [&] { expand(a, {3, -1}); }, {"expand", "[2,3]"});
}

TEST_CASE("indexing names the bad index, where it is and the valid range", "[ops][errors]") {
  RecordedTape t;
  const Var<double> a = t.recorded({2, 3});
  expect_shape_error(t.tape,
                     [&] {
                       index_select(a, 1, IndexTensor({2}, {0, 3}));
                     },
                     {"index_select", "index 3 at [1]", "axis 1 of [2,3]", "0 to 2"});
  expect_shape_error(t.tape,
                     [&] {
                       index_select(a, 0, IndexTensor({1, 1}, {0}));
                     },
                     {"index_select", "1-D", "[1,1]"});
  expect_shape_error(t.tape,
                     [&] {
                       gather(a, 0, IndexTensor({2}, {0, 1}));
                     },
                     {"gather", "[2]", "rank of [2,3]"});
  expect_shape_error(t.tape,
                     [&] {
                       gather(a, 1, IndexTensor({2, 1}, {0, -1}));
                     },
                     {"gather", "index -1 at [1,0]", "0 to 2"});
}

TEST_CASE("losses name the shapes, and a bad target leaves the tape as it was", "[ops][errors]") {
  RecordedTape t;
  const Var<double> logits = t.recorded({2, 3}), other = t.recorded({3, 2});
  expect_shape_error(t.tape,
                     [&] {
                       cross_entropy(logits, IndexTensor({2}, {0, 3}));
                     },
                     {"nll_loss", "index 3 at [1]", "the 3 classes", "0 to 2"});
  expect_shape_error(t.tape,
                     [&] {
                       cross_entropy(logits, IndexTensor({3}, {0, 1, 2}));
                     },
                     {"nll_loss", "[2,3]", "[3]", "[n,c] with [n]"});
  expect_shape_error(t.tape, [&] { l1_loss(logits, other); }, {"l1_loss", "[2,3]", "[3,2]"});
  expect_shape_error(t.tape, [&] { mse_loss(logits, other, Reduction::kNone); },
                     {"mse_loss", "[2,3]", "[3,2]"});
  expect_shape_error(t.tape, [&] { binary_cross_entropy_with_logits(logits, other); },
                     {"binary_cross_entropy_with_logits", "[2,3]", "[3,2]"});
  expect_shape_error(t.tape, [&] { huber_loss(logits, other); }, {"huber_loss", "[2,3]", "[3,2]"});
}

}  // namespace file_ops_errors_new_ops_test
