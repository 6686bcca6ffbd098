// Errors of the layer ops (ops/layer_ops.hpp): each names the op and the shapes (normalized_shape
// against x's trailing axes, weight against the channels, the bad index with its position and
// the number of rows), and leaves the tape, and batch_norm's running statistics, as they were.
#include <catch2/catch.hpp>

#include "errors_support.hpp"

namespace file_ops_errors_layer_ops_test {  // the file's own scope: the test programs are unity
                                            // builds

using namespace tapegrad;
using testing::expect_shape_error;
using testing::RecordedTape;

namespace {

// Like expect_shape_error, for errors that are not about shapes (Error but not ShapeError).
void expect_error(Tape<double>& tape, const std::function<void()>& op,
                  const std::vector<std::string>& parts) {
  const std::size_t size_before = tape.size(), used_before = tape.used_bytes();
  try {
    op();
    FAIL("expected an Error, but the op succeeded");
  } catch (const ShapeError& e) {
    FAIL("expected an Error that is not a ShapeError, got: " << e.what());
  } catch (const Error& e) {
    INFO("message: " << e.what());
    for (const std::string& part : parts) CHECK_THAT(e.what(), Catch::Matchers::Contains(part));
  }
  CHECK(tape.size() == size_before);
  CHECK(tape.used_bytes() == used_before);
}

}  // namespace

TEST_CASE("layer_norm names normalized_shape and the input's trailing axes, or the weight",
          "[ops][errors][layer_norm]") {
  RecordedTape t;
  const Var<double> x = t.recorded({2, 3}), w = t.recorded({3}), w4 = t.recorded({4});
  expect_shape_error(t.tape, [&] { layer_norm(x, Shape{4}); },
                     {"layer_norm", "normalized_shape [4]", "trailing axes", "input [2,3]"});
  expect_shape_error(t.tape, [&] { layer_norm(x, Shape{2}); }, {"layer_norm", "[2]", "[2,3]"});
  expect_shape_error(t.tape,
                     [&] {
                       layer_norm(x, Shape{1, 2, 3});
                     },
                     {"layer_norm", "[1,2,3]", "[2,3]"});
  expect_shape_error(t.tape, [&] { layer_norm(x, Shape{}); },
                     {"layer_norm", "normalized_shape []", "at least one"});
  expect_shape_error(t.tape, [&] { layer_norm(x, Shape{3}, w4); },
                     {"layer_norm", "weight [4]", "normalized_shape [3]"});
  expect_shape_error(t.tape, [&] { layer_norm(x, Shape{3}, w, w4); },
                     {"layer_norm", "bias [4]", "normalized_shape [3]"});
}

TEST_CASE("batch_norm names the weight's shape against the channels, and misused modes",
          "[ops][errors][batch_norm]") {
  RecordedTape t;
  const Var<double> x = t.recorded({2, 3, 4}), w = t.recorded({3}), w4 = t.recorded({4});
  const Var<double> one = t.recorded({1, 3}), one_pixel = t.recorded({1, 3, 1, 1});
  const Var<double> no_channels = t.recorded({3});
  Tensor<double> mean({3}), var = Tensor<double>::full({3}, 1.0), short_var({2});
  const Tensor<double> mean_before = mean, var_before = var;
  expect_shape_error(t.tape, [&] { batch_norm(x, nullptr, nullptr, w4, w, true); },
                     {"batch_norm", "weight [4]", "input [2,3,4]", "expected [3]", "channel"});
  expect_shape_error(t.tape, [&] { batch_norm(x, &mean, &var, w, w4, true); },
                     {"batch_norm", "bias [4]", "input [2,3,4]", "expected [3]"});
  expect_shape_error(t.tape, [&] { batch_norm(x, &mean, &short_var, w, w, false); },
                     {"batch_norm", "running_var [2]", "input [2,3,4]", "expected [3]"});
  expect_shape_error(t.tape, [&] { batch_norm(no_channels, nullptr, nullptr, {}, {}, true); },
                     {"batch_norm", "input [3]", "[N, C]"});
  expect_error(
      t.tape, [&] { batch_norm(one, &mean, &var, w, w, true); },
      {"batch_norm", "expected more than 1 value per channel when training", "input [1,3]"});
  expect_error(t.tape, [&] { batch_norm(one_pixel, nullptr, nullptr, w, {}, true); },
               {"batch_norm", "more than 1 value per channel", "[1,3,1,1]"});
  expect_error(t.tape, [&] { batch_norm(x, nullptr, nullptr, w, w, false); },
               {"batch_norm", "eval", "running_mean and running_var are null"});
  expect_error(t.tape, [&] { batch_norm(x, &mean, nullptr, w, w, true); },
               {"batch_norm", "running_mean and running_var", "both or neither"});
  // A failed batch_norm in training leaves the running statistics as they were.
  CHECK(mean.values()[0] == mean_before.values()[0]);
  CHECK(var.values()[2] == var_before.values()[2]);
  // One value per channel is fine in eval, as in torch.
  CHECK(batch_norm(one, &mean, &var, w, w, false).shape() == Shape{1, 3});
}

TEST_CASE("embedding names the bad index, its position and the number of rows",
          "[ops][errors][embedding]") {
  RecordedTape t;
  const Var<double> w = t.recorded({5, 3}), vector = t.recorded({5});
  expect_shape_error(t.tape,
                     [&] {
                       embedding(w, IndexTensor({2, 2}, {0, 1, 5, 2}));
                     },
                     {"embedding", "index 5 at [1,0]", "weight [5,3]", "size 5", "0 to 4"});
  expect_shape_error(t.tape,
                     [&] {
                       embedding(w, IndexTensor({3}, {0, -1, 2}));
                     },
                     {"embedding", "index -1 at [1]", "0 to 4"});
  expect_shape_error(t.tape, [&] { embedding(vector, IndexTensor({1}, {0})); },
                     {"embedding", "weight [5]", "2-D"});
  expect_shape_error(t.tape, [&] { embedding(w, IndexTensor({1}, {0}), 5); },
                     {"embedding", "padding_idx 5", "weight [5,3]", "-5 to 4"});
  expect_shape_error(t.tape, [&] { embedding(w, IndexTensor({1}, {0}), -6); },
                     {"embedding", "padding_idx -6"});
}

}  // namespace file_ops_errors_layer_ops_test
