// A learning-rate scheduler's state in a checkpoint (models/io/scheduler_state.hpp): 2 epochs
// with SGD + momentum and a scheduler, a checkpoint of the model, the optimizer and the
// scheduler, then 2 more epochs in a fresh model, optimizer and scheduler end bit for bit where
// 4 uninterrupted epochs end, for each scheduler kind; without the scheduler's state they do
// not. A state that does not fit is refused, naming the problem, changing nothing.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include "tapegrad.hpp"

namespace file_files_scheduler_state_test {

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

using MakeScheduler = std::function<std::unique_ptr<LRScheduler<double>>(Optimizer<double>&)>;

MLP<double> make_net(std::uint64_t seed) {
  Generator generator(seed);
  return MLP<double>(MLPOptions(2)
                         .layer(4, Activation::kTanh)
                         .layer(1, Activation::kIdentity)
                         .generator(&generator));
}

// `epochs` epochs of 2 mini-batches of a fixed regression task, the scheduler stepped after
// each epoch.
void train(MLP<double>& net, Optimizer<double>& optimizer, LRScheduler<double>& scheduler,
           int epochs) {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  for (int epoch = 0; epoch < epochs; ++epoch) {
    for (std::size_t batch = 0; batch < 2; ++batch) {
      Tensor<double> x({3, 2}), y({3, 1});
      for (std::size_t r = 0; r < 3; ++r) {
        const double row = static_cast<double>(3 * batch + r);
        x[2 * r] = std::sin(row);
        x[2 * r + 1] = std::cos(1.3 * row);
        y[r] = x[2 * r] - x[2 * r + 1] * x[2 * r + 1];
      }
      tape.clear();
      optimizer.zero_grad();
      mse_loss(net.forward(Var<double>(x)), Var<double>(y)).backward();
      optimizer.step();
    }
    scheduler.step();
  }
}

std::vector<double> values(const MLP<double>& net) {
  std::vector<double> all;
  for (const auto& [name, p] : net.named_parameters())
    all.insert(all.end(), p.value().values().begin(), p.value().values().end());
  return all;
}

std::unique_ptr<SGD<double>> make_sgd(MLP<double>& net) {
  return std::make_unique<SGD<double>>(net.parameters(), SGDOptions(0.1).momentum(0.9));
}

void check_resume(const MakeScheduler& make_scheduler) {
  MLP<double> whole = make_net(4);
  auto whole_sgd = make_sgd(whole);
  auto whole_schedule = make_scheduler(*whole_sgd);
  train(whole, *whole_sgd, *whole_schedule, 4);

  MLP<double> first = make_net(4);
  auto first_sgd = make_sgd(first);
  auto first_schedule = make_scheduler(*first_sgd);
  train(first, *first_sgd, *first_schedule, 2);
  TensorFile file = parameters_to_file(first.named_parameters());
  add_optimizer_state(file, *first_sgd, first.named_parameters());
  add_scheduler_state(file, *first_schedule);
  const TensorFile checkpoint = parse_safetensors(serialize_safetensors(file), "checkpoint");
  REQUIRE(has_scheduler_state(checkpoint));
  CHECK_FALSE(has_scheduler_state(without_optimizer_state(checkpoint)));

  // Resumed as a user would: a fresh model, optimizer and scheduler made as before, then the
  // checkpoint.
  MLP<double> resumed = make_net(77);
  auto resumed_sgd = make_sgd(resumed);
  auto resumed_schedule = make_scheduler(*resumed_sgd);
  load_parameters(without_optimizer_state(checkpoint), resumed.named_parameters());
  load_optimizer_state(checkpoint, *resumed_sgd, resumed.named_parameters());
  load_scheduler_state(checkpoint, *resumed_schedule);
  CHECK(resumed_schedule->last_epoch() == 2);
  CHECK(resumed_schedule->last_lr() == first_schedule->last_lr());
  train(resumed, *resumed_sgd, *resumed_schedule, 2);
  CHECK(values(resumed) == values(whole));
  CHECK(resumed_schedule->last_lr() == whole_schedule->last_lr());

  // Without the scheduler's state the schedule starts again at t = 0 from the saved lr, which
  // is the scheduled lr of epoch 2 taken as the base: the run ends elsewhere.
  MLP<double> restarted = make_net(77);
  auto restarted_sgd = make_sgd(restarted);
  auto restarted_schedule = make_scheduler(*restarted_sgd);
  load_parameters(without_optimizer_state(checkpoint), restarted.named_parameters());
  load_optimizer_state(checkpoint, *restarted_sgd, restarted.named_parameters());
  train(restarted, *restarted_sgd, *restarted_schedule, 2);
  CHECK(values(restarted) != values(whole));
}

}  // namespace

TEST_CASE("2 epochs, a checkpoint with the scheduler's state, 2 more = 4 epochs, bit for bit",
          "[files][scheduler_state]") {
  SECTION("StepLR") {
    check_resume([](Optimizer<double>& o) { return std::make_unique<StepLR<double>>(o, 1, 0.5); });
  }
  SECTION("CosineAnnealingLR") {
    check_resume([](Optimizer<double>& o) {
      return std::make_unique<CosineAnnealingLR<double>>(o, 4, 0.01);
    });
  }
  SECTION("LinearLR (warm-up)") {
    check_resume(
        [](Optimizer<double>& o) { return std::make_unique<LinearLR<double>>(o, 0.25, 1.0, 3); });
  }
}

TEST_CASE("a scheduler state that does not fit is refused and changes nothing",
          "[files][scheduler_state][errors]") {
  MLP<double> net = make_net(5);
  auto sgd = make_sgd(net);
  StepLR<double> step(*sgd, 2, 0.5);
  step.step();
  TensorFile file;
  file.source = "ckpt.safetensors";
  add_scheduler_state(file, step);

  auto other_sgd = make_sgd(net);
  CosineAnnealingLR<double> cosine(*other_sgd, 10);
  const std::vector<double> lr_before = cosine.last_lr();
  CHECK_THROWS_WITH(
      load_scheduler_state(file, cosine),
      Contains("ckpt.safetensors") && Contains("holds the state of StepLR but the scheduler is "
                                               "CosineAnnealingLR"));
  CHECK(cosine.last_epoch() == 0);
  CHECK(cosine.last_lr() == lr_before);

  TensorFile empty;
  empty.source = "model.safetensors";
  CHECK_THROWS_WITH(load_scheduler_state(empty, step),
                    Contains("model.safetensors") && Contains("no learning-rate scheduler state"));

  const auto refused = [&](const std::string& metadata) {
    TensorFile bad;
    bad.source = "bad.safetensors";
    bad.metadata["scheduler"] = metadata;
    StepLR<double> fresh(*other_sgd, 2, 0.5);
    std::string message;
    try {
      load_scheduler_state(bad, fresh);
    } catch (const Error& e) {
      message = e.what();
    }
    CHECK(fresh.last_epoch() == 0);
    return message;
  };
  CHECK_THAT(refused("{\"type\": \"StepLR\"}"),
             Contains("bad.safetensors") && Contains("\"scheduler\" metadata is malformed"));
  CHECK_THAT(refused("not json"), Contains("\"scheduler\" metadata is malformed"));
  CHECK_THAT(refused("{\"type\": \"StepLR\", \"last_epoch\": -1, \"base_lrs\": [0.1]}"),
             Contains("malformed"));
  CHECK_THAT(refused("{\"type\": \"StepLR\", \"last_epoch\": 3, \"base_lrs\": [0.1, 0.2]}"),
             Contains("2 base learning rates, the optimizer 1 parameter groups"));
  CHECK_THAT(refused("{\"type\": \"StepLR\", \"last_epoch\": 3, \"base_lrs\": [-0.1]}"),
             Contains("base learning rate of group 0 is -0.1"));
}

TEST_CASE("LRScheduler::load_state sets t and the base lrs, and the lr from them",
          "[optim][scheduler_state]") {
  MLP<double> net = make_net(6);
  auto sgd = make_sgd(net);
  StepLR<double> step(*sgd, 2, 0.5);
  step.load_state(5, {0.8});
  CHECK(step.last_epoch() == 5);
  CHECK(step.base_lrs() == std::vector<double>{0.8});
  CHECK(step.last_lr() == std::vector<double>{0.8 * 0.25});  // 0.8 · 0.5^⌊5/2⌋
  CHECK_THROWS_WITH(step.load_state(1, {std::numeric_limits<double>::infinity()}),
                    Contains("StepLR") && Contains("not a finite number"));
  CHECK(step.last_epoch() == 5);
}

}  // namespace file_files_scheduler_state_test
