// The module tree: register_module returns and keeps the child; the lists are walked when asked
// for (a replaced child is seen), names are hierarchical in torch's state_dict() order; buffers
// (floating and int64) share storage with the module's members; train()/eval() and freezing
// reach every descendant; a container without forward says so.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_nn_module_tree_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

// A BatchNorm-like module for the tests, with torch's BatchNorm1d names: parameters weight and
// bias, float buffers running_mean and running_var, an int64 buffer num_batches_tracked. Its
// forward counts the batches it sees in training mode and returns x.
template <class T>
struct CountingNorm : Module<T> {
  explicit CountingNorm(std::size_t n) {
    weight = this->register_parameter("weight",
                                      Parameter<T>(Tensor<T>(Shape{n}, std::vector<T>(n, T(1)))));
    bias = this->register_parameter("bias", Parameter<T>(Tensor<T>(Shape{n})));
    running_mean = this->register_buffer("running_mean", Tensor<T>(Shape{n}));
    running_var = this->register_buffer("running_var", Tensor<T>(Shape{n}, std::vector<T>(n, 1)));
    num_batches_tracked =
        this->register_buffer("num_batches_tracked", Tensor<std::int64_t>(Shape{}));
  }
  Var<T> forward(const Var<T>& x) override {
    if (this->is_training()) num_batches_tracked.integer_values()[0] += 1;
    return x;
  }
  Parameter<T> weight, bias;
  Buffer<T> running_mean, running_var, num_batches_tracked;
};

// encoder = {layers = [Linear(2,3), ReLU, Linear(3,1)], norm}, a buffer "scale" of its own.
struct Net : Module<double> {
  Net() {
    scale = register_buffer("scale", Tensor<double>(Shape{1}, {2.0}));
    encoder = register_module("encoder", std::make_shared<Module<double>>());
    layers = encoder->register_module(
        "layers",
        std::make_shared<Sequential<double>>(std::initializer_list<std::shared_ptr<Module<double>>>{
            std::make_shared<Linear<double>>(2, 3), std::make_shared<ReLU<double>>(),
            std::make_shared<Linear<double>>(3, 1)}));
    norm = encoder->register_module("norm", std::make_shared<CountingNorm<double>>(1));
    head = register_module("head", std::make_shared<Linear<double>>(1, 1));
  }
  Var<double> forward(const Var<double>& x) override {
    return head->forward(norm->forward(layers->forward(x)));
  }
  Buffer<double> scale;
  std::shared_ptr<Module<double>> encoder;
  std::shared_ptr<Sequential<double>> layers;
  std::shared_ptr<CountingNorm<double>> norm;
  std::shared_ptr<Linear<double>> head;
};

template <class List>
std::vector<std::string> names_of(const List& list) {
  std::vector<std::string> names;
  for (const auto& entry : list) names.push_back(entry.first);
  return names;
}

TEST_CASE("named_parameters lists a tree's parameters by hierarchical name in order",
          "[nn][module]") {
  Net net;
  CHECK(names_of(net.named_parameters()) ==
        std::vector<std::string>{"encoder.layers.0.weight", "encoder.layers.0.bias",
                                 "encoder.layers.2.weight", "encoder.layers.2.bias",
                                 "encoder.norm.weight", "encoder.norm.bias", "head.weight",
                                 "head.bias"});
  CHECK(net.named_parameters(false).empty());
  CHECK(names_of(net.norm->named_parameters(false)) == std::vector<std::string>{"weight", "bias"});
  REQUIRE(net.parameters().size() == 8);
  CHECK(net.parameters()[6] == net.head->weight);
  CHECK(names_of(net.named_buffers()) ==
        std::vector<std::string>{"scale", "encoder.norm.running_mean", "encoder.norm.running_var",
                                 "encoder.norm.num_batches_tracked"});
}

TEST_CASE("state_dict lists each module's parameters, then its buffers, then its children's",
          "[nn][module]") {
  // torch's order (Module._save_to_state_dict: _parameters, then _buffers, then each child).
  Net net;
  CHECK(names_of(net.state_dict()) ==
        std::vector<std::string>{"scale", "encoder.layers.0.weight", "encoder.layers.0.bias",
                                 "encoder.layers.2.weight", "encoder.layers.2.bias",
                                 "encoder.norm.weight", "encoder.norm.bias",
                                 "encoder.norm.running_mean", "encoder.norm.running_var",
                                 "encoder.norm.num_batches_tracked", "head.weight", "head.bias"});
}

TEST_CASE("named_modules and named_children walk the tree as it is now", "[nn][module]") {
  Net net;
  CHECK(names_of(net.named_modules()) ==
        std::vector<std::string>{"", "encoder", "encoder.layers", "encoder.layers.0",
                                 "encoder.layers.1", "encoder.layers.2", "encoder.norm", "head"});
  CHECK(names_of(net.named_children()) == std::vector<std::string>{"encoder", "head"});
  CHECK(net.named_modules()[0].second == &net);
  CHECK(net.named_children()[1].second == net.head);

  // A child replaced later is seen by every list made after, in the same place.
  auto wider =
      net.replace_module("head", std::make_shared<Linear<double>>(LinearOptions(1, 1).bias(false)));
  CHECK(net.named_children()[1].second == wider);
  CHECK(names_of(net.named_parameters()).back() == "head.weight");
  CHECK(net.parameters().back() == wider->weight);
  CHECK_THROWS_WITH(net.replace_module("tail", wider), Contains("has no child 'tail'"));
  CHECK_THROWS_WITH(net.replace_module("scale", wider), Contains("has no child 'scale'"));
}

TEST_CASE("register_* refuses empty, dotted and taken names", "[nn][module]") {
  Module<float> m;
  m.register_parameter("w", Parameter<float>(Tensor<float>(Shape{1})));
  CHECK_THROWS_WITH(m.register_buffer("w", Tensor<float>(Shape{1})),
                    Contains("register_buffer: 'w' is already a parameter, buffer or child"));
  CHECK_THROWS_WITH(m.register_module("w", std::make_shared<ReLU<float>>()),
                    Contains("use replace_module"));
  CHECK_THROWS_WITH(m.register_module("a.b", std::make_shared<ReLU<float>>()),
                    Contains("'a.b' contains a '.'"));
  CHECK_THROWS_WITH(m.register_parameter("", Parameter<float>(Tensor<float>(Shape{1}))),
                    Contains("the name is empty"));
  CHECK_THROWS_WITH(m.register_module("r", std::shared_ptr<ReLU<float>>()),
                    Contains("null module"));
  CHECK(m.named_parameters().size() == 1);
}

TEST_CASE("a buffer shares its storage between the member and the registry", "[nn][buffer]") {
  Net net;
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  net.forward(tape.variable(Tensor<double>(Shape{4, 2}), false));
  net.forward(tape.variable(Tensor<double>(Shape{4, 2}), false));
  const Buffer<double> count = net.named_buffers()[3].second;
  REQUIRE(count.is_integer());
  CHECK(count.shape() == Shape{});
  CHECK(count.integer_value()[0] == 2);
  CHECK(count == net.norm->num_batches_tracked);
  CHECK_THROWS_WITH(count.value(), Contains("value() of an integer buffer"));
  Buffer<double> mean = net.named_buffers()[1].second;
  mean.assign(Tensor<double>(Shape{1}, {0.5}));
  CHECK(net.norm->running_mean.value()[0] == 0.5);
  CHECK_THROWS_AS(mean.assign(Tensor<double>(Shape{2})), ShapeError);
  CHECK_THROWS_WITH(mean.assign(Tensor<std::int64_t>(Shape{1})),
                    Contains("integer_value() of a floating-point buffer"));
}

TEST_CASE("train and eval reach every descendant", "[nn][module]") {
  Net net;
  CHECK(net.is_training());
  net.eval();
  for (const auto& [name, module] : net.named_modules()) {
    INFO(name);
    CHECK_FALSE(module->is_training());
  }
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  net.forward(tape.variable(Tensor<double>(Shape{1, 2}), false));
  CHECK(net.norm->num_batches_tracked.integer_value()[0] == 0);  // eval: nothing counted
  net.encoder->train();
  CHECK_FALSE(net.is_training());
  CHECK(net.norm->is_training());
  CHECK(net.layers->at<Linear<double>>(0)->is_training());
  CHECK_FALSE(net.head->is_training());
}

TEST_CASE("set_requires_grad(false) freezes every parameter of a module", "[nn][module]") {
  Net net;
  net.encoder->set_requires_grad(false);
  for (const auto& [name, parameter] : net.named_parameters()) {
    INFO(name);
    CHECK(parameter.requires_grad() == (name.rfind("head.", 0) == 0));
  }
  // A frozen parameter gets no gradient.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  net.zero_grad();
  sum(net.forward(tape.variable(Tensor<double>(Shape{3, 2}, {1, 2, 3, 4, 5, 6}), false)))
      .backward();
  CHECK_FALSE(net.layers->at<Linear<double>>(0)->weight.has_grad());
  CHECK(net.head->weight.has_grad());
  net.set_requires_grad(true);
  CHECK(net.layers->at<Linear<double>>(0)->weight.requires_grad());
}

TEST_CASE("a module without forward says so, naming its type", "[nn][module]") {
  Module<float> container;
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  const Var<float> x = tape.variable(Tensor<float>(Shape{1}), false);
  CHECK_THROWS_WITH(container.forward(x),
                    Contains("tapegrad::Module<float> has no forward(x); call its children"));
  ModuleList<float> list{std::make_shared<ReLU<float>>()};
  CHECK_THROWS_WITH(list(x), Contains("tapegrad::ModuleList<float> has no forward(x)"));
}

TEST_CASE("copies of a module share its parameters, buffers and children", "[nn][module]") {
  MLP<double> a(MLPOptions(2).layer(3, Activation::kTanh).layer(1, Activation::kIdentity));
  const MLP<double> b = a;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(a.parameters() == b.parameters());
  a.layers()[0]->weight.values()[0] = 42;
  CHECK(b.layers()[0]->weight.value()[0] == 42);
}

// The README's example (section "Modules"), as it stands there.
struct Block : Module<float> {
  Block() {
    layers = register_module(
        "layers",
        std::make_shared<Sequential<float>>(std::initializer_list<std::shared_ptr<Module<float>>>{
            std::make_shared<Linear<float>>(4, 8), std::make_shared<ReLU<float>>(),
            std::make_shared<Linear<float>>(8, 3)}));
    steps = register_buffer("steps", Tensor<std::int64_t>(Shape{}));  // an int64 buffer
  }
  Var<float> forward(const Var<float>& x) override { return layers->forward(x); }
  std::shared_ptr<Sequential<float>> layers;
  Buffer<float> steps;
};

TEST_CASE("the README's module example has the state_dict the README says", "[nn][module]") {
  Block block;
  CHECK(names_of(block.state_dict()) == std::vector<std::string>{"steps", "layers.0.weight",
                                                                 "layers.0.bias", "layers.2.weight",
                                                                 "layers.2.bias"});
}

}  // namespace file_nn_module_tree_test
