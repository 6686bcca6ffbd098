// The parts of a training loop built from a config: loss by name, optimizer by name, rows of a
// dataset (batches: tests/models/data_loader_test.cpp).
#include <catch2/catch.hpp>

#include "tapegrad.hpp"

namespace file_models_training_parts_test {  // the file's own scope: the test programs are unity
                                             // builds

using namespace tapegrad;
using Catch::Matchers::Contains;

TEST_CASE("apply_loss runs the op each Loss names", "[models][training]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Tensor<double> p({2, 2}, {0.5, -1.0, 2.0, 0.25}), y({2, 2}, {1.0, 0.0, 0.0, 1.0});
  CHECK(apply_loss(Loss::kSse, Var<double>(p), Var<double>(y)).item() ==
        sse_loss(Var<double>(p), Var<double>(y)).item());
  CHECK(apply_loss(Loss::kMse, Var<double>(p), Var<double>(y)).item() ==
        mse_loss(Var<double>(p), Var<double>(y)).item());
  CHECK(apply_loss(Loss::kSoftmaxCrossEntropy, Var<double>(p), Var<double>(y)).item() ==
        softmax_cross_entropy(Var<double>(p), Var<double>(y)).item());
}

TEST_CASE("optimizers are made by name and unknown names are refused", "[models][training]") {
  CHECK(parse_optimizer("sgd") == OptimizerKind::kSgd);
  CHECK(parse_optimizer("momentum") == OptimizerKind::kMomentum);
  CHECK(parse_optimizer("adam") == OptimizerKind::kAdam);
  CHECK_THROWS_WITH(parse_optimizer("rmsprop"),
                    Contains("unknown optimizer 'rmsprop'") && Contains("sgd, momentum, adam"));
  Parameter<double> w(Tensor<double>({1}, {1.0}), "w");
  w.grads()[0] = 2.0;
  auto sgd = make_optimizer<double>(OptimizerKind::kSgd, {w}, 0.25);
  sgd->step();
  CHECK(w.value()[0] == 0.5);  // 1 − 0.25·2
  CHECK(dynamic_cast<Adam<double>*>(make_optimizer<double>(OptimizerKind::kAdam, {w}, 0.1).get()));
}

TEST_CASE("gather_rows copies the chosen rows and converts the element type",
          "[models][training]") {
  const Tensor<double> source({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor<float> out;
  gather_rows(source, {2, 0}, out);
  CHECK(out.shape() == Shape{2, 2});
  CHECK(std::vector<float>(out.values().begin(), out.values().end()) ==
        std::vector<float>{5, 6, 1, 2});
  CHECK_THROWS_AS(gather_rows(source, {3}, out), ShapeError);
}

}  // namespace file_models_training_parts_test
