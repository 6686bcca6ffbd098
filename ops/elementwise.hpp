// Elementwise ops from one rule each (the op author's API; ops/rule.hpp has the vocabulary). A
// unary rule gives the forward value and the derivative dy/da as expressions in a and y:
//
//   struct Sigmoid {
//     static constexpr std::string_view name = "sigmoid";
//     auto value(auto a) const { return sigmoid(a); }
//     auto derivative(auto a, auto y) const { return y * (1 - y); }  // dσ/da = σ(1 − σ)
//   };
//   Var<float> sigmoid(const Var<float>& a) { return unary_op(a, Sigmoid{}); }
//
// A binary rule gives value(a, b) and the partials partial_a(a, b, y), partial_b(a, b, y); its
// inputs broadcast as NumPy's do. From the rule alone the library makes the forward loop, the
// backward loop (g times the derivative, summed over broadcast axes), forward mode's loop (the
// derivative times the tangent), the backward recorded on the tape for gradients of gradients
// (the same expression evaluated on Vars), and the edge label (evaluated on symbols). A rule's
// data members (scale's factor, leaky_relu's slope) are kept in the node; the rule must be
// trivially copyable. Write rules with `using namespace tapegrad::rule;` in scope: the helpers
// step, iverson and select for Vars live there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include "../graph/op.hpp"
#include "broadcast.hpp"
#include "math.hpp"
#include "ops.hpp"
#include "rule.hpp"

namespace tapegrad {
namespace rule {

// ---- The helpers for Vars (the public ops cover the functions and comparisons) ----

template <class T>
Var<T> lift(const Var<T>& x) {
  return x;
}
template <class T, Number S>
Var<T> lift(S s) {
  return Var<T>(Tensor<T>::scalar(static_cast<T>(s)));
}
template <class T>
Var<T> iverson(const Var<T>& condition) {  // comparisons of Vars are already 0/1 constants
  return condition;
}
template <class T>
Var<T> step(const Var<T>& a) {
  return a > 0;
}
template <class T, class X, class Y>
Var<T> select(const Var<T>& condition, const X& x, const Y& y) {
  return where(condition, lift<T>(x), lift<T>(y));
}
template <class T>
Var<T> both(const Var<T>& c1, const Var<T>& c2) {
  return mul(c1, c2);  // NOTE: masks are constants, so this records nothing
}
template <class T, Number S>
Var<T> between(const Var<T>& a, S lo, S hi) {
  return mul(a >= lo, a <= hi);
}

// ---- A rule's result as each kind of operand ----

template <class T, class R>
Num<T> as_num(const R& r) {
  if constexpr (Number<R>) {
    return {static_cast<T>(r)};
  } else {
    static_assert(std::is_same_v<R, Num<T>>, "a rule on Num<T> must give a Num<T> or a number");
    return r;
  }
}

// g · d for a derivative d that is a Var or a plain number (then a scale, or g itself).
template <class T, class D>
Var<T> times(const Var<T>& g, const D& d) {
  if constexpr (Number<D>) {
    return static_cast<T>(d) == T(1) ? g : scale(g, static_cast<T>(d));
  } else {
    return mul(g, d);
  }
}

// The text of a derivative: "{0}", "{1}" for the inputs and "{y}" for the output.
template <class R>
std::string label_of(const R& r) {
  return Sym(r).text();
}
inline const Sym& input_symbol(std::size_t k) {
  static const Sym a = Sym::symbol("{0}"), b = Sym::symbol("{1}");
  return k == 0 ? a : b;
}
inline const Sym& output_symbol() {
  static const Sym y = Sym::symbol("{y}");
  return y;
}

// Bytes the backward reads, read off the label: an input's if the derivative mentions it, the
// output's if it mentions y.
template <class T>
std::size_t saved_bytes_of(const Node<T>& node, std::size_t inputs) {
  std::string labels;
  for (std::size_t k = 0; k < inputs; ++k) labels += node.derivative(k);
  std::size_t bytes = 0;
  for (std::size_t j = 0; j < inputs; ++j) {
    const char symbol[] = {'{', static_cast<char>('0' + j), '}', '\0'};  // "{0}", "{1}"
    if (labels.find(symbol) != std::string::npos) bytes += node.input(j).size() * sizeof(T);
  }
  if (labels.find("{y}") != std::string::npos) bytes += node.output().size() * sizeof(T);
  return bytes;
}

// ---- The loops, compiled once per instruction set ----

template <class T, class Rule>
TAPEGRAD_SIMD_CLONES void unary_forward_loop(const Rule& rule, const T* __restrict a,
                                             T* __restrict y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = as_num<T>(rule.value(Num<T>{a[i]})).v;
}

// ga (+)= g · dy/da; = where ga holds no values yet (accumulate false).
template <class T, class Rule>
TAPEGRAD_SIMD_CLONES void unary_backward_loop(const Rule& rule, const T* __restrict a,
                                              const T* __restrict y, const T* __restrict g,
                                              T* __restrict ga, std::size_t n, bool accumulate) {
  if (accumulate)
    for (std::size_t i = 0; i < n; ++i)
      ga[i] += g[i] * as_num<T>(rule.derivative(Num<T>{a[i]}, Num<T>{y[i]})).v;
  else
    for (std::size_t i = 0; i < n; ++i)
      ga[i] = g[i] * as_num<T>(rule.derivative(Num<T>{a[i]}, Num<T>{y[i]})).v;
}

// NOTE: a few elements are done inline (scalar tapes); the dispatched vector loop costs more.
inline constexpr std::size_t kInlineElements = 4;

}  // namespace rule

template <class T, class Rule>
class UnaryNode final : public Node<T> {
  static_assert(std::is_trivially_copyable_v<Rule> && std::is_trivially_destructible_v<Rule>);

 public:
  explicit UnaryNode(const Rule& rule) : rule_(rule) {}
  std::string_view name() const override { return Rule::name; }
  std::string derivative(std::size_t) const override {
    return rule::label_of(rule_.derivative(rule::input_symbol(0), rule::output_symbol()));
  }
  std::size_t saved_bytes() const override { return rule::saved_bytes_of(*this, 1); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>&a = this->input(0), &y = this->output();
    const T* g = ctx.grad_output();
    if (const std::size_t n = y.size(); n <= rule::kInlineElements) {
      if (T* ga = ctx.input_grad(0, a.shape))
        for (std::size_t i = 0; i < n; ++i)
          ga[i] +=
              g[i] *
              rule::as_num<T>(rule_.derivative(rule::Num<T>{a.data[i]}, rule::Num<T>{y.data[i]})).v;
    } else if (const GradTarget<T> ga = ctx.input_grad_target(0, a.shape)) {
      rule::unary_backward_loop(rule_, a.data, y.data, g, ga.data, n, ga.accumulate);
    }
  }
  void vjp(const VjpContext<T>& ctx) const override {  // g · dy/da, on the tape
    ctx.add_input_grad(
        0, rule::times(ctx.grad_output(), rule_.derivative(ctx.input(0), ctx.output())));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ẏ = dy/da · ȧ
    const Value<T>&a = this->input(0), &y = this->output();
    if (const T* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < y.size(); ++i)
        ctx.output_tangent()[i] +=
            rule::as_num<T>(rule_.derivative(rule::Num<T>{a.data[i]}, rule::Num<T>{y.data[i]})).v *
            ta[i];
  }

 private:
  Rule rule_;
};

// The op `Rule` on a, recorded when a gradient is needed.
template <class T, class Rule>
Var<T> unary_op(const Var<T>& a, const Rule& rule = {}) {
  Op<T> op(Rule::name, a);
  const Value<T>& in = op.input(0);
  T* y = op.output(in.shape);
  if (const std::size_t n = in.size(); n <= rule::kInlineElements)
    for (std::size_t i = 0; i < n; ++i)
      y[i] = rule::as_num<T>(rule.value(rule::Num<T>{in.data[i]})).v;
  else
    rule::unary_forward_loop(rule, in.data, y, n);
  return op.template finish<UnaryNode<T, Rule>>(rule);
}

namespace rule {

template <class T, class Rule>
TAPEGRAD_SIMD_CLONES void binary_forward_loop(const Rule& rule, const T* __restrict a,
                                              const T* __restrict b, T* __restrict y,
                                              std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = as_num<T>(rule.value(Num<T>{a[i]}, Num<T>{b[i]})).v;
}

// The backward of one input over equal shapes: ga (+)= g · ∂y/∂a (Which = 0) or ∂y/∂b (1).
template <int Which, class T, class Rule>
TAPEGRAD_SIMD_CLONES void binary_backward_loop(const Rule& rule, const T* __restrict a,
                                               const T* __restrict b, const T* __restrict y,
                                               const T* __restrict g, T* __restrict gx,
                                               std::size_t n, bool accumulate) {
  const auto partial = [&](std::size_t i) {
    if constexpr (Which == 0)
      return as_num<T>(rule.partial_a(Num<T>{a[i]}, Num<T>{b[i]}, Num<T>{y[i]})).v;
    else
      return as_num<T>(rule.partial_b(Num<T>{a[i]}, Num<T>{b[i]}, Num<T>{y[i]})).v;
  };
  if (accumulate)
    for (std::size_t i = 0; i < n; ++i) gx[i] += g[i] * partial(i);
  else
    for (std::size_t i = 0; i < n; ++i) gx[i] = g[i] * partial(i);
}

}  // namespace rule

template <class T, class Rule>
class BinaryNode final : public Node<T> {
  static_assert(std::is_trivially_copyable_v<Rule> && std::is_trivially_destructible_v<Rule>);

 public:
  explicit BinaryNode(const Rule& rule) : rule_(rule) {}
  std::string_view name() const override { return Rule::name; }
  std::string derivative(std::size_t k) const override {
    const rule::Sym &a = rule::input_symbol(0), &b = rule::input_symbol(1),
                    &y = rule::output_symbol();
    return k == 0 ? rule::label_of(rule_.partial_a(a, b, y))
                  : rule::label_of(rule_.partial_b(a, b, y));
  }
  std::size_t saved_bytes() const override { return rule::saved_bytes_of(*this, 2); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>&a = this->input(0), &b = this->input(1), &y = this->output();
    const T* g = ctx.grad_output();
    if (y.size() == 1) {  // NOTE: one element (scalar tapes): no plan, no loop
      const rule::Num<T> na{a.data[0]}, nb{b.data[0]}, ny{y.data[0]};
      if (T* ga = ctx.input_grad(0, a.shape))
        ga[0] += g[0] * rule::as_num<T>(rule_.partial_a(na, nb, ny)).v;
      if (T* gb = ctx.input_grad(1, b.shape))
        gb[0] += g[0] * rule::as_num<T>(rule_.partial_b(na, nb, ny)).v;
      return;
    }
    backward_loops(ctx);
  }
  void vjp(const VjpContext<T>& ctx) const override {  // g · ∂y/∂x, summed to x's shape
    const Var<T>&g = ctx.grad_output(), &a = ctx.input(0), &b = ctx.input(1), &y = ctx.output();
    if (ctx.needs_grad(0))
      ctx.add_input_grad(0, sum_to(rule::times(g, rule_.partial_a(a, b, y)), this->input(0).shape));
    if (ctx.needs_grad(1))
      ctx.add_input_grad(1, sum_to(rule::times(g, rule_.partial_b(a, b, y)), this->input(1).shape));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ẏ = ∂y/∂a · ȧ + ∂y/∂b · ḃ
    const Value<T>&a = this->input(0), &b = this->input(1), &y = this->output();
    const T *ta = ctx.input_tangent(0), *tb = ctx.input_tangent(1);
    T* t = ctx.output_tangent();
    const auto plan = detail::Broadcast::plan(Rule::name, a.shape, b.shape);
    plan.for_each([&](std::size_t i, std::size_t ia, std::size_t ib) {
      const rule::Num<T> na{a.data[ia]}, nb{b.data[ib]}, ny{y.data[i]};
      if (ta) t[i] += rule::as_num<T>(rule_.partial_a(na, nb, ny)).v * ta[ia];
      if (tb) t[i] += rule::as_num<T>(rule_.partial_b(na, nb, ny)).v * tb[ib];
    });
  }

 private:
  // NOTE: out of line, so that the one-element path above stays small.
  [[gnu::noinline]] void backward_loops(const BackwardContext<T>& ctx) const {
    const Value<T>&a = this->input(0), &b = this->input(1), &y = this->output();
    const T* g = ctx.grad_output();
    if (a.shape == b.shape) {
      if (const GradTarget<T> ga = ctx.input_grad_target(0, a.shape))
        rule::binary_backward_loop<0>(rule_, a.data, b.data, y.data, g, ga.data, y.size(),
                                      ga.accumulate);
      if (const GradTarget<T> gb = ctx.input_grad_target(1, b.shape))
        rule::binary_backward_loop<1>(rule_, a.data, b.data, y.data, g, gb.data, y.size(),
                                      gb.accumulate);
      return;
    }
    // Broadcast: each input's gradient sums over the axes it was repeated along.
    const auto plan = detail::Broadcast::plan(Rule::name, a.shape, b.shape);
    if (T* ga = ctx.input_grad(0, a.shape))
      plan.for_each([&](std::size_t i, std::size_t ia, std::size_t ib) {
        ga[ia] += g[i] * rule::as_num<T>(rule_.partial_a(rule::Num<T>{a.data[ia]},
                                                         rule::Num<T>{b.data[ib]},
                                                         rule::Num<T>{y.data[i]}))
                             .v;
      });
    if (T* gb = ctx.input_grad(1, b.shape))
      plan.for_each([&](std::size_t i, std::size_t ia, std::size_t ib) {
        gb[ib] += g[i] * rule::as_num<T>(rule_.partial_b(rule::Num<T>{a.data[ia]},
                                                         rule::Num<T>{b.data[ib]},
                                                         rule::Num<T>{y.data[i]}))
                             .v;
      });
  }

  Rule rule_;
};

namespace rule {
// NOTE: out of line, so that the equal-shape path of binary_op stays small.
template <class T, class Rule>
[[gnu::noinline]] void binary_forward_broadcast(Op<T>& op, const Rule& rule) {
  const Value<T>&a = op.input(0), &b = op.input(1);
  const auto plan = detail::Broadcast::plan(Rule::name, a.shape, b.shape);
  T* y = op.output(plan.shape());
  plan.for_each([&](std::size_t i, std::size_t ia, std::size_t ib) {
    y[i] = as_num<T>(rule.value(Num<T>{a.data[ia]}, Num<T>{b.data[ib]})).v;
  });
}
}  // namespace rule

// The op `Rule` on a and b, broadcast together; a ShapeError names the op and both shapes if
// they do not broadcast.
template <class T, class Rule>
Var<T> binary_op(const Var<T>& a, const Var<T>& b, const Rule& rule = {}) {
  Op<T> op(Rule::name, a, b);
  const Value<T>&x = op.input(0), &z = op.input(1);
  if (!(x.shape == z.shape)) {
    rule::binary_forward_broadcast(op, rule);
  } else {
    T* y = op.output(x.shape);
    if (const std::size_t n = x.size(); n == 1)
      y[0] = rule::as_num<T>(rule.value(rule::Num<T>{x.data[0]}, rule::Num<T>{z.data[0]})).v;
    else
      rule::binary_forward_loop(rule, x.data, z.data, y, n);
  }
  return op.template finish<BinaryNode<T, Rule>>(rule);
}

}  // namespace tapegrad
