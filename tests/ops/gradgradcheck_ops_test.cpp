// Every op's vjp (gradients of gradients, graph/higher_order.hpp) against finite
// differences of its first derivatives, through the op catalog; and gradgradcheck shown failing
// on a planted wrong second derivative and on a planted wrong first derivative.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "graph/gradcheck.hpp"
#include "graph/higher_order.hpp"
#include "graph/op.hpp"
#include "ops/catalog.hpp"
#include "ops/ops.hpp"
#include "random_inputs.hpp"

namespace file_ops_gradgradcheck_ops_test {  // the file's own scope: the test programs are unity
                                             // builds

using namespace tapegrad;

TEST_CASE("every op's second derivatives agree with finite differences of its first (double)",
          "[ops][gradgradcheck]") {
  std::mt19937_64 rng(2027);
  for (const OpCase<double>& c : op_catalog<double>()) {
    for (int trial = 0; trial < 2; ++trial) {
      std::vector<Tensor<double>> inputs;
      for (std::size_t k = 0; k < c.inputs.size(); ++k) inputs.push_back(catalog_input(c, k, rng));
      const GradgradcheckResult r = gradgradcheck(c.call, inputs, {}, 10 + trial);
      INFO(c.op << ": " << c.description << " (trial " << trial << ")");
      for (std::size_t k = 0; k < r.first_order_errors.size(); ++k) {
        INFO("input " << k << ": recorded first derivative off by " << r.first_order_errors[k]);
        CHECK(r.first_order_errors[k] <= 1e-10);
      }
      for (const ParameterCheck& p : r.second_order.parameters) {
        INFO(p.name << ": max abs error " << p.max_abs_error << ", worst element "
                    << p.worst.element << ": autodiff " << p.worst.autodiff << " vs numeric "
                    << p.worst.numeric);
        CHECK(p.passed);
      }
      CHECK(r.passed);
    }
  }
}

namespace {

// sigmoid with a right backward and a vjp whose value is right but whose (1 − z)
// factor is a constant: the recorded first derivative has the right value and the wrong
// derivative (z(1 − z) differentiated as if (1 − z) did not depend on a).
template <class T>
class DetachedSigmoidNode final : public Node<T> {
 public:
  explicit DetachedSigmoidNode(bool wrong_value) : wrong_value_(wrong_value) {}
  std::string_view name() const override { return "planted_sigmoid"; }
  std::string derivative(std::size_t) const override { return "{y}(1−{y})"; }
  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& z = this->output();
    T* ga = ctx.input_grad(0, z.shape);
    for (std::size_t i = 0; i < z.size(); ++i)
      ga[i] += ctx.grad_output()[i] * z.data[i] * (1 - z.data[i]);
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Value<T>& z = this->output();
    Tensor<T> one_minus_z(z.shape);
    for (std::size_t i = 0; i < z.size(); ++i)
      one_minus_z.values()[i] = (wrong_value_ ? 2 : 1) * (1 - z.data[i]);
    ctx.add_input_grad(0, mul(ctx.grad_output(), mul(ctx.output(), Var<T>(one_minus_z))));
  }

 private:
  bool wrong_value_;
};

Var<double> planted_sigmoid(const Var<double>& a, bool wrong_value) {
  Op<double> op("planted_sigmoid", a);
  double* z = op.output(op.input(0).shape);
  for (std::size_t i = 0; i < op.input(0).size(); ++i)
    z[i] = 1 / (1 + std::exp(-op.input(0).data[i]));
  return op.finish<DetachedSigmoidNode<double>>(wrong_value);
}

// transpose whose vjp takes the incoming gradient's values as a constant: right in
// value, but the recorded first derivative no longer depends on the gradient it was given.
template <class T>
class FrozenTransposeNode final : public Node<T> {
 public:
  std::string_view name() const override { return "frozen_transpose"; }
  std::string derivative(std::size_t) const override { return "1"; }
  void backward(const BackwardContext<T>& ctx) const override {
    const Shape& s = this->input(0).shape;
    T* ga = ctx.input_grad(0, s);
    for (std::size_t i = 0; i < s[0]; ++i)
      for (std::size_t j = 0; j < s[1]; ++j) ga[i * s[1] + j] += ctx.grad_output()[j * s[0] + i];
  }
  void vjp(const VjpContext<T>& ctx) const override {
    ctx.add_input_grad(0, transpose(Var<T>(ctx.grad_output().to_tensor())));  // planted
  }
};

Var<double> frozen_transpose(const Var<double>& a) {
  Op<double> op("frozen_transpose", a);
  const Shape& s = op.input(0).shape;
  double* y = op.output(Shape{s[1], s[0]});
  for (std::size_t i = 0; i < s[0]; ++i)
    for (std::size_t j = 0; j < s[1]; ++j) y[j * s[0] + i] = op.input(0).data[i * s[1] + j];
  return op.finish<FrozenTransposeNode<double>>();
}

}  // namespace

TEST_CASE("gradgradcheck fails on a vjp that takes the incoming gradient as a constant",
          "[ops][gradgradcheck]") {
  const std::vector<Tensor<double>> inputs{Tensor<double>({2, 3}, {0.4, -1.1, 0.8, 2, 0.3, -0.5})};
  const GradgradcheckResult r =
      gradgradcheck([](std::span<const Var<double>> v) { return frozen_transpose(v[0]); }, inputs);
  CHECK(r.first_order_passed);  // the values are right
  REQUIRE(r.second_order.parameters.size() == 2);
  CHECK(r.second_order.parameters[0].passed);        // transpose has no second derivative in x
  CHECK_FALSE(r.second_order.parameters[1].passed);  // but G must depend on the gradient w
  CHECK_FALSE(r.passed);
  CHECK(
      gradgradcheck([](std::span<const Var<double>> v) { return transpose(v[0]); }, inputs).passed);
}

TEST_CASE("gradgradcheck fails on a planted wrong second derivative, and names the input",
          "[ops][gradgradcheck]") {
  const std::vector<Tensor<double>> inputs{Tensor<double>({3}, {0.4, -1.1, 0.8})};
  const auto f = [](std::span<const Var<double>> v) { return planted_sigmoid(v[0], false); };
  // First derivatives are right, by both engines.
  REQUIRE(gradcheck(f, inputs).passed);
  const GradgradcheckResult r = gradgradcheck(f, inputs);
  CHECK(r.first_order_passed);
  CHECK_FALSE(r.second_order.passed);
  CHECK_FALSE(r.passed);
  REQUIRE(r.second_order.parameters.size() == 2);  // input0, then the weights w
  CHECK(r.second_order.parameters[0].name == "input0");
  CHECK(r.second_order.parameters[0].failures > 0);
  CHECK(r.second_order.parameters[1].name == "grad_output");

  // The real sigmoid passes the same check: the failure is the plant's.
  const auto real = [](std::span<const Var<double>> v) { return sigmoid(v[0]); };
  CHECK(gradgradcheck(real, inputs).passed);
}

TEST_CASE("gradgradcheck fails on a recorded first derivative with a wrong value",
          "[ops][gradgradcheck]") {
  const std::vector<Tensor<double>> inputs{Tensor<double>({3}, {0.4, -1.1, 0.8})};
  const auto f = [](std::span<const Var<double>> v) { return planted_sigmoid(v[0], true); };
  const GradgradcheckResult r = gradgradcheck(f, inputs);
  CHECK_FALSE(r.first_order_passed);
  CHECK(r.first_order_errors.at(0) > 1e-3);
  CHECK_FALSE(r.passed);
}

}  // namespace file_ops_gradgradcheck_ops_test
