// A differentiable function defined outside the library, through the installed headers only:
// f(a, b) = s·a·b elementwise, with the scale s kept in the function object. Its gradients
// (∂f/∂a = s·b, ∂f/∂b = s·a) are checked by gradcheck, its second derivatives (the rule is made
// of ops) by gradgradcheck, and a planted wrong rule must fail gradcheck.
#include <tapegrad/core.hpp>

#include <cstdio>
#include <string_view>
#include <vector>

using namespace tapegrad;

namespace {

struct ScaledProduct {
  double scale;
  std::string_view name() const { return "scaled_product"; }
  template <class T>
  Var<T> forward(const Var<T>& a, const Var<T>& b) const {
    return a * b * scale;
  }
  template <class T>
  void backward(const VjpContext<T>& ctx) const {
    const Var<T> g = ctx.grad_output() * scale;
    if (ctx.needs_grad(0)) ctx.add_input_grad(0, g * ctx.input(1));  // ∂f/∂a = s·b
    if (ctx.needs_grad(1)) ctx.add_input_grad(1, g * ctx.input(0));  // ∂f/∂b = s·a
  }
};

struct WrongScaledProduct : ScaledProduct {
  template <class T>
  void backward(const VjpContext<T>& ctx) const {  // forgets the scale on ∂f/∂a
    if (ctx.needs_grad(0)) ctx.add_input_grad(0, ctx.grad_output() * ctx.input(1));
    if (ctx.needs_grad(1)) ctx.add_input_grad(1, ctx.grad_output() * scale * ctx.input(0));
  }
};

}  // namespace

int main() {
  const std::vector<Tensor<double>> inputs{Tensor<double>({2, 2}, {0.3, -1.2, 0.8, 2.0}),
                                           Tensor<double>({2, 2}, {-0.7, 0.4, 1.5, -0.2})};
  const auto f = [](std::span<const Var<double>> v) {
    return apply_function(ScaledProduct{2.5}, v[0], v[1]);
  };
  const auto wrong = [](std::span<const Var<double>> v) {
    return apply_function(WrongScaledProduct{{2.5}}, v[0], v[1]);
  };
  const bool first = gradcheck(f, inputs).passed;
  const bool second = gradgradcheck(f, inputs).passed;
  const bool caught = !gradcheck(wrong, inputs).passed;
  std::printf("gradcheck: %s, gradgradcheck: %s, planted bug caught: %s\n", first ? "ok" : "FAILED",
              second ? "ok" : "FAILED", caught ? "yes" : "NO");
  return first && second && caught ? 0 : 1;
}
