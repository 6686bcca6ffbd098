// Optimizer state in checkpoints (models/io/optimizer_state.hpp): training 2 epochs, saving the
// model and the optimizer, loading both into a fresh model and optimizer and training 2 more
// ends bit for bit where 4 uninterrupted epochs end, for SGD with momentum, Adam and AdamW; and
// a state that does not fit is refused with every problem named, changing nothing.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "tapegrad.hpp"

namespace file_files_optimizer_state_test {  // the file's own scope: the test programs are unity
                                             // builds

using namespace tapegrad;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

template <class T>
using Make = std::function<std::unique_ptr<Optimizer<T>>(MLP<T>&)>;

template <class T>
MLP<T> make_net(std::uint64_t seed) {
  Generator generator(seed);
  return MLP<T>(MLPOptions(2)
                    .layer(5, Activation::kTanh)
                    .layer(1, Activation::kIdentity)
                    .generator(&generator));
}

// `epochs` epochs of 3 mini-batches of 4 rows of a fixed regression task, mse loss.
template <class T>
void train(MLP<T>& net, Optimizer<T>& optimizer, int epochs) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  for (int epoch = 0; epoch < epochs; ++epoch)
    for (std::size_t batch = 0; batch < 3; ++batch) {
      Tensor<T> x({4, 2}), y({4, 1});
      for (std::size_t r = 0; r < 4; ++r) {
        const double row = static_cast<double>(4 * batch + r);
        x[2 * r] = static_cast<T>(std::sin(row));
        x[2 * r + 1] = static_cast<T>(std::cos(1.7 * row));
        y[r] = static_cast<T>(x[2 * r] * x[2 * r + 1] + 0.5);
      }
      tape.clear();
      optimizer.zero_grad();
      mse_loss(net.forward(Var<T>(x)), Var<T>(y)).backward();
      optimizer.step();
    }
}

template <class T>
std::vector<T> values(const MLP<T>& net) {
  std::vector<T> all;
  for (const auto& [name, p] : net.named_parameters())
    all.insert(all.end(), p.value().values().begin(), p.value().values().end());
  return all;
}

// The weights after 4 epochs, and after 2 + a checkpoint + 2 in a fresh model and optimizer
// (and, to show the state matters, after 2 + weights only + 2).
template <class T>
void check_resume(const Make<T>& make) {
  MLP<T> whole = make_net<T>(7);
  auto whole_optimizer = make(whole);
  train(whole, *whole_optimizer, 4);

  MLP<T> first = make_net<T>(7);
  auto first_optimizer = make(first);
  train(first, *first_optimizer, 2);
  TensorFile file = parameters_to_file(first.named_parameters());
  add_optimizer_state(file, *first_optimizer, first.named_parameters());
  const fs::path path = fs::temp_directory_path() / "tapegrad-optimizer-state.safetensors";
  write_safetensors(path.string(), file);
  const TensorFile checkpoint = read_safetensors(path.string());
  fs::remove(path);

  MLP<T> resumed = make_net<T>(99);  // other initial weights: all must come from the file
  auto resumed_optimizer = make(resumed);
  load_parameters(without_optimizer_state(checkpoint), resumed.named_parameters());
  load_optimizer_state(checkpoint, *resumed_optimizer, resumed.named_parameters());
  CHECK(resumed_optimizer->steps() == 6);
  train(resumed, *resumed_optimizer, 2);
  CHECK(values(resumed) == values(whole));

  MLP<T> restarted = make_net<T>(99);
  auto restarted_optimizer = make(restarted);
  load_parameters(without_optimizer_state(checkpoint), restarted.named_parameters());
  train(restarted, *restarted_optimizer, 2);
  CHECK(values(restarted) != values(whole));
}

}  // namespace

TEST_CASE("2 epochs, a checkpoint with the optimizer state, 2 more = 4 epochs, bit for bit",
          "[files][optimizer_state]") {
  SECTION("SGD with momentum, double") {
    check_resume<double>([](MLP<double>& net) {
      return std::make_unique<SGD<double>>(net.parameters(), SGDOptions(0.05).momentum(0.9));
    });
  }
  SECTION("SGD with Nesterov momentum and two groups, float") {
    check_resume<float>([](MLP<float>& net) {
      std::vector<Parameter<float>> weights, biases;
      for (const auto& [name, p] : net.named_parameters())
        (name.ends_with("bias") ? biases : weights).push_back(p);
      return std::make_unique<SGD<float>>(
          std::vector<ParamGroup<float>>{{weights, SGDOptions().weight_decay(1e-3)},
                                         {biases, SGDOptions(0.02)}},
          SGDOptions(0.05).momentum(0.8).nesterov(true));
    });
  }
  SECTION("Adam, double") {
    check_resume<double>([](MLP<double>& net) {
      return std::make_unique<Adam<double>>(net.parameters(), AdamOptions(0.01));
    });
  }
  SECTION("AdamW, float") {
    check_resume<float>([](MLP<float>& net) {
      return std::make_unique<AdamW<float>>(net.parameters(), AdamWOptions(0.01));
    });
  }
}

TEST_CASE("the optimizer state keeps each group's options, also an lr a scheduler changed",
          "[files][optimizer_state]") {
  MLP<double> net = make_net<double>(3);
  Adam<double> adam(net.parameters(), AdamOptions(0.01).betas(0.8, 0.95));
  adam.param_groups()[0].options().set_lr(0.1 / 3);
  TensorFile file;
  add_optimizer_state(file, adam, net.named_parameters());
  CHECK(file.find("optimizer.state.layers.0.weight.exp_avg") != nullptr);
  CHECK(file.find("optimizer.state.layers.1.bias.exp_avg_sq") != nullptr);
  Adam<double> fresh(net.parameters(), AdamOptions());
  load_optimizer_state(file, fresh, net.named_parameters());
  const auto& options = static_cast<const AdamOptions&>(fresh.param_groups()[0].options());
  CHECK(options.lr() == 0.1 / 3);
  CHECK(options.beta1() == 0.8);
  CHECK(options.beta2() == 0.95);
}

TEST_CASE("an optimizer state that does not fit is refused, naming every problem",
          "[files][optimizer_state][errors]") {
  MLP<double> net = make_net<double>(3);
  Adam<double> adam(net.parameters(), AdamOptions());
  TensorFile file;
  add_optimizer_state(file, adam, net.named_parameters());

  SGD<double> sgd(net.parameters(), SGDOptions(0.1));
  CHECK_THROWS_WITH(load_optimizer_state(file, sgd, net.named_parameters()),
                    Contains("the file holds the state of Adam but the optimizer is SGD"));

  MLP<double> wider(MLPOptions(2).layer(6, Activation::kTanh).layer(1, Activation::kIdentity));
  Adam<double> other(wider.parameters(), AdamOptions(0.5));
  other.param_groups()[0].options().set_lr(0.25);
  CHECK_THROWS_WITH(load_optimizer_state(file, other, wider.named_parameters()),
                    Contains("problems loading the optimizer state") &&
                        Contains("'optimizer.state.layers.0.weight.exp_avg' has shape [5,2] but "
                                 "the optimizer's buffer [6,2]"));
  CHECK(other.param_groups()[0].options().lr() == 0.25);  // unchanged

  TensorFile weights_only = parameters_to_file(net.named_parameters());
  CHECK_THROWS_WITH(load_optimizer_state(weights_only, adam, net.named_parameters()),
                    Contains("holds no optimizer state"));
  CHECK_FALSE(has_optimizer_state(weights_only));
  CHECK(has_optimizer_state(file));
}

TEST_CASE("a negative or fractional step count in the optimizer state is refused",
          "[files][optimizer_state][errors]") {
  // nlohmann-json's get<std::size_t>() turns -1 into 2⁶⁴ − 1: Adam would resume with its bias
  // corrections at step 2⁶⁴.
  MLP<double> net = make_net<double>(3);
  Adam<double> adam(net.parameters(), AdamOptions());
  TensorFile file;
  add_optimizer_state(file, adam, net.named_parameters());
  const std::string good = file.metadata.at("optimizer");
  REQUIRE(good.find("\"steps\":0") != std::string::npos);
  for (const std::string& bad : {std::string("-1"), std::string("2.5")}) {
    INFO("steps " << bad);
    TensorFile broken = file;
    broken.metadata["optimizer"] =
        std::string(good).replace(good.find("\"steps\":0"), 9, "\"steps\":" + bad);
    Adam<double> fresh(net.parameters(), AdamOptions());
    CHECK_THROWS_WITH(
        load_optimizer_state(broken, fresh, net.named_parameters()),
        Contains("metadata is malformed: steps is " + bad + ", not a whole number ≥ 0"));
    CHECK(fresh.steps() == 0);
  }
}

TEST_CASE("a file's optimizer settings, step counts and second moments out of range are refused",
          "[files][optimizer_state][errors]") {
  MLP<double> net = make_net<double>(3);
  Adam<double> adam(net.parameters(), AdamOptions(0.01));
  TensorFile saved;
  add_optimizer_state(saved, adam, net.named_parameters());
  // The saved state with one change to its "optimizer" metadata.
  const auto changed = [&](const std::function<void(nlohmann::json&)>& change) {
    TensorFile file = saved;
    nlohmann::json meta = nlohmann::json::parse(file.metadata.at("optimizer"));
    change(meta);
    file.metadata["optimizer"] = meta.dump();
    return file;
  };
  const auto refused = [&](const TensorFile& file, const std::string& message) {
    Adam<double> fresh(net.parameters(), AdamOptions(0.5));
    CHECK_THROWS_WITH(load_optimizer_state(file, fresh, net.named_parameters()), Contains(message));
    CHECK(fresh.param_groups()[0].options().lr() == 0.5);  // unchanged
    CHECK(fresh.state(0).step == 0);
  };
  // The optimizer's constructor refuses these settings; so does loading them.
  refused(changed([](auto& meta) { meta["param_groups"][0]["lr"] = -1.0; }),
          "Adam: learning rate must be > 0, got lr = -1");
  refused(changed([](auto& meta) { meta["param_groups"][0]["lr"] = 0; }),
          "Adam: learning rate must be > 0, got lr = 0");
  refused(changed([](auto& meta) { meta["param_groups"][0]["beta1"] = 2.0; }),
          "Adam: betas must lie in [0, 1), got betas = (2, 0.999)");
  refused(changed([](auto& meta) { meta["param_groups"][0]["eps"] = -1e-8; }),
          "Adam: eps must be >= 0");
  // A count so large that the next step wraps it to 0 (Adam's bias correction 1 - 0.9^0 = 0
  // divides by 0), and one that is text.
  refused(changed([](auto& meta) { meta["step"]["layers.0.bias"] = UINT64_MAX; }),
          "the step count of 'layers.0.bias' is 18446744073709551615; the next step would count "
          "past 2^64 − 1");
  refused(changed([](auto& meta) { meta["steps"] = UINT64_MAX; }),
          "steps is 18446744073709551615; the next step would count past 2^64 − 1");
  refused(changed([](auto& meta) { meta["step"]["layers.0.bias"] = "2"; }),
          "the step count of 'layers.0.bias' is \"2\", not a whole number ≥ 0");

  TensorFile negative;
  negative.metadata = saved.metadata;
  for (NamedTensor tensor : saved.tensors()) {
    if (tensor.name == "optimizer.state.layers.0.weight.exp_avg_sq")
      std::get<Tensor<double>>(tensor.value).values()[3] = -0.25;  // element [1,1] of [5,2]
    negative.add(std::move(tensor));
  }
  refused(negative,
          "tensor 'optimizer.state.layers.0.weight.exp_avg_sq' element [1,1] is -0.25, but a "
          "second moment (an average of squares) is never negative");

  Adam<double> fresh(net.parameters(), AdamOptions(0.5));  // the file as written still loads
  load_optimizer_state(saved, fresh, net.named_parameters());
  CHECK(fresh.param_groups()[0].options().lr() == 0.01);
}

}  // namespace file_files_optimizer_state_test
