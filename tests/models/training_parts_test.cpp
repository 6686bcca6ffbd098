// The parts of a training loop built from a config: loss by name, optimizer by name, batches.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

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

TEST_CASE("batches cover every row once per epoch in a seeded order", "[models][training]") {
  BatchOrder order(10, 4);
  CHECK(order.batches() == 3);
  Generator generator(7);
  const auto first = order.next_epoch(generator);
  REQUIRE(first.size() == 3);
  CHECK(first[0].size() == 4);
  CHECK(first[2].size() == 2);
  std::multiset<std::size_t> seen;
  for (const auto& batch : first) seen.insert(batch.begin(), batch.end());
  CHECK(seen == std::multiset<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const auto second = order.next_epoch(generator);
  CHECK(first != second);  // reshuffled each epoch

  BatchOrder again(10, 4);
  Generator same(7);
  CHECK(again.next_epoch(same) == first);  // the seed reproduces the order

  BatchOrder whole(5, 0);  // batch 0: the whole dataset
  CHECK(whole.batches() == 1);
  CHECK(whole.next_epoch(generator)[0].size() == 5);
  CHECK_THROWS_WITH(BatchOrder(0, 1), Contains("at least one row"));
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
