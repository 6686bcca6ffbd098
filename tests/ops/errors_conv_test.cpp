// Shape errors of the convolutions and poolings: each names the op and the shapes (or the sizes
// that do not work), and leaves the tape as it was, the unbatched and 1-D forms (which reshape)
// included.
#include <catch2/catch.hpp>

#include "errors_support.hpp"

namespace file_ops_errors_conv_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using testing::expect_shape_error;
using testing::RecordedTape;

TEST_CASE("conv2d names the input and weight shapes that do not fit", "[ops][errors][conv2d]") {
  RecordedTape t;
  const Var<double> x = t.recorded({2, 3, 8, 8}), w = t.recorded({4, 2, 3, 3});
  const Var<double> x4 = t.recorded({2, 4, 8, 8}), w3 = t.recorded({3, 2, 3, 3});
  const Var<double> matrix = t.recorded({3, 8}), w_rank3 = t.recorded({4, 4, 3});
  const Var<double> b3 = t.recorded({3}), unbatched = t.recorded({3, 8, 8});
  expect_shape_error(t.tape, [&] { conv2d(x, w); },
                     {"conv2d: input [2,3,8,8] and weight [4,2,3,3]: input has 3 channels, "
                      "weight expects 2 × groups 1"});
  expect_shape_error(t.tape, [&] { conv2d(x4, w3, {}, {.groups = 2}); },
                     {"conv2d", "[2,4,8,8]", "[3,2,3,3]", "3 output channels", "2 groups"});
  expect_shape_error(t.tape, [&] { conv2d(matrix, w); },
                     {"conv2d", "[3,8]", "[4,2,3,3]", "[N, C, H, W] or [C, H, W]"});
  expect_shape_error(t.tape, [&] { conv2d(x4, w_rank3); },
                     {"conv2d", "[2,4,8,8]", "[4,4,3]", "[O, C/groups, kH, kW]"});
  expect_shape_error(t.tape, [&] { conv2d(x4, w, b3, {.groups = 2}); },
                     {"conv2d", "weight [4,2,3,3]", "bias [3]", "must be [4]"});
  // Unbatched: the error comes before the reshape, with the shapes as given.
  expect_shape_error(t.tape, [&] { conv2d(unbatched, w); },
                     {"conv2d", "input [3,8,8]", "weight [4,2,3,3]", "3 channels"});
}

TEST_CASE("conv2d names an empty output and a zero stride, dilation or groups",
          "[ops][errors][conv2d]") {
  RecordedTape t;
  const Var<double> x = t.recorded({1, 2, 4, 4}), w = t.recorded({3, 2, 3, 3});
  const Var<double> tall = t.recorded({3, 2, 5, 1});
  expect_shape_error(t.tape,
                     [&] {
                       conv2d(x, w, {}, {.dilation = {2, 2}});
                     },
                     {"conv2d", "[1,2,4,4]", "[3,2,3,3]", "output would be 0×0", "padded input 4×4",
                      "dilated kernel 5×5"});
  expect_shape_error(t.tape, [&] { conv2d(x, tall); }, {"conv2d", "output would be 0×4"});
  expect_shape_error(t.tape,
                     [&] {
                       conv2d(x, w, {}, {.stride = {0, 1}});
                     },
                     {"conv2d", "stride (0, 1)", "at least 1"});
  expect_shape_error(t.tape,
                     [&] {
                       conv2d(x, w, {}, {.dilation = {1, 0}});
                     },
                     {"conv2d", "dilation (1, 0)"});
  expect_shape_error(t.tape, [&] { conv2d(x, w, {}, {.groups = 0}); }, {"conv2d", "groups"});
}

TEST_CASE("conv1d names its own 1-D shapes", "[ops][errors][conv1d]") {
  RecordedTape t;
  const Var<double> x = t.recorded({2, 3, 8}), w = t.recorded({4, 2, 3});
  const Var<double> image = t.recorded({2, 3, 8, 8}), long_kernel = t.recorded({4, 3, 9});
  const Var<double> sequence = t.recorded({3, 8}), w3 = t.recorded({4, 3, 3}), b2 = t.recorded({2});
  expect_shape_error(t.tape, [&] { conv1d(x, w); },
                     {"conv1d: input [2,3,8] and weight [4,2,3]: input has 3 channels, weight "
                      "expects 2 × groups 1"});
  expect_shape_error(t.tape, [&] { conv1d(image, w); },
                     {"conv1d", "[2,3,8,8]", "[N, C, L] or [C, L]", "[O, C/groups, K]"});
  expect_shape_error(t.tape, [&] { conv1d(x, long_kernel); }, {"conv1d", "output would be 1×0"});
  expect_shape_error(t.tape, [&] { conv1d(sequence, w3, b2); },
                     {"conv1d", "weight [4,3,3]", "bias [2]", "must be [4]"});
}

TEST_CASE("the poolings name the input, kernel, stride and padding that do not work",
          "[ops][errors][max_pool2d][avg_pool2d][adaptive_avg_pool2d]") {
  RecordedTape t;
  const Var<double> x = t.recorded({1, 2, 4, 4}), matrix = t.recorded({4, 4});
  const Var<double> rank5 = t.recorded({2, 2, 3, 4, 4});
  expect_shape_error(t.tape,
                     [&] {
                       max_pool2d(x, {.kernel = {5, 5}});
                     },
                     {"max_pool2d", "[1,2,4,4]", "kernel (5, 5)", "output would be 0×0"});
  expect_shape_error(t.tape,
                     [&] {
                       avg_pool2d(x, {.kernel = {0, 2}});
                     },
                     {"avg_pool2d", "kernel (0, 2)", "at least 1"});
  expect_shape_error(t.tape,
                     [&] {
                       max_pool2d(x, {.kernel = {2, 2}, .stride = {{2, 0}}});
                     },
                     {"max_pool2d", "stride (2, 0)", "at least 1"});
  expect_shape_error(t.tape,
                     [&] {
                       avg_pool2d(x, {.kernel = {2, 2}, .padding = {2, 0}});
                     },
                     {"avg_pool2d", "padding (2, 0)", "at most half the kernel (2, 2)"});
  expect_shape_error(t.tape,
                     [&] {
                       max_pool2d(matrix, {.kernel = {2, 2}});
                     },
                     {"max_pool2d", "[4,4]", "[N, C, H, W] or [C, H, W]"});
  expect_shape_error(t.tape,
                     [&] {
                       adaptive_avg_pool2d(x, {0, 2});
                     },
                     {"adaptive_avg_pool2d", "[1,2,4,4]", "output size (0, 2)"});
  expect_shape_error(t.tape,
                     [&] {
                       adaptive_avg_pool2d(rank5, {1, 1});
                     },
                     {"adaptive_avg_pool2d", "[2,2,3,4,4]"});
  // An output size no tensor can have is refused by its shape before the bin tables (3 words
  // per row and column: 2⁴⁰ of each would be 48 TiB) are made.
  expect_shape_error(t.tape,
                     [&] {
                       adaptive_avg_pool2d(x, {std::size_t{1} << 40, std::size_t{1} << 40});
                     },
                     {"dimension 2 is 1099511627776", "dimensions must be below 2^32"});
}

}  // namespace file_ops_errors_conv_test
