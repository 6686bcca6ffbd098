// The operators a C++ user types, over the functions of ops/ops.hpp: + − * / with Vars,
// Parameters and plain numbers on either side (numbers are constants), unary minus, compound
// assignment that rebinds a Var (a Parameter has none: optimizers update parameters),
// and comparisons giving 0/1 constants.
#pragma once

#include <type_traits>

#include "ops.hpp"

namespace tapegrad {

// The element type of a Var or Parameter, for the operators below.
template <class V>
struct element_of {};
template <class T>
struct element_of<Var<T>> {
  using type = T;
};
template <class T>
struct element_of<Parameter<T>> {
  using type = T;
};
template <class V>
using element_t = typename element_of<std::remove_cvref_t<V>>::type;
template <class V>
concept Differentiable = requires {
  typename element_t<V>;
};
template <class S>
concept PlainNumber = std::is_arithmetic_v<S>;

inline Var<float> operator+(const Var<float>& a, const Var<float>& b) {
  return add(a, b);
}
inline Var<double> operator+(const Var<double>& a, const Var<double>& b) {
  return add(a, b);
}
inline Var<float> operator-(const Var<float>& a, const Var<float>& b) {
  return sub(a, b);
}
inline Var<double> operator-(const Var<double>& a, const Var<double>& b) {
  return sub(a, b);
}
inline Var<float> operator*(const Var<float>& a, const Var<float>& b) {
  return mul(a, b);
}
inline Var<double> operator*(const Var<double>& a, const Var<double>& b) {
  return mul(a, b);
}
inline Var<float> operator/(const Var<float>& a, const Var<float>& b) {
  return div(a, b);
}
inline Var<double> operator/(const Var<double>& a, const Var<double>& b) {
  return div(a, b);
}
inline Var<float> operator-(const Var<float>& a) {
  return neg(a);
}
inline Var<double> operator-(const Var<double>& a) {
  return neg(a);
}

template <Differentiable V, PlainNumber S>
Var<element_t<V>> operator+(const V& a, S s) {
  return add(Var<element_t<V>>(a), static_cast<element_t<V>>(s));
}
template <PlainNumber S, Differentiable V>
Var<element_t<V>> operator+(S s, const V& a) {
  return add(Var<element_t<V>>(a), static_cast<element_t<V>>(s));
}
template <Differentiable V, PlainNumber S>
Var<element_t<V>> operator-(const V& a, S s) {
  return sub(Var<element_t<V>>(a), static_cast<element_t<V>>(s));
}
template <PlainNumber S, Differentiable V>
Var<element_t<V>> operator-(S s, const V& a) {
  return sub(static_cast<element_t<V>>(s), Var<element_t<V>>(a));
}
template <Differentiable V, PlainNumber S>
Var<element_t<V>> operator*(const V& a, S s) {
  return scale(Var<element_t<V>>(a), static_cast<element_t<V>>(s));
}
template <PlainNumber S, Differentiable V>
Var<element_t<V>> operator*(S s, const V& a) {
  return scale(Var<element_t<V>>(a), static_cast<element_t<V>>(s));
}
template <Differentiable V, PlainNumber S>
Var<element_t<V>> operator/(const V& a, S s) {
  return div(Var<element_t<V>>(a), static_cast<element_t<V>>(s));
}
template <PlainNumber S, Differentiable V>
Var<element_t<V>> operator/(S s, const V& a) {
  return div(static_cast<element_t<V>>(s), Var<element_t<V>>(a));
}

// Compound assignment rebinds the handle to a new value: `c += 1` is `c = c + 1`, recorded as
// an op. NOTE: unlike libtorch, where += changes the tensor in place. On a Parameter it does not
// compile (there is no Var to rebind): optimizers update parameters, so `w -= lr * g` cannot
// silently detach one from its gradient.
template <class T, class R>
requires requires(const Var<T>& a, const R& r) {
  a + r;
}
Var<T>& operator+=(Var<T>& a, const R& r) {
  return a = a + r;
}
template <class T, class R>
requires requires(const Var<T>& a, const R& r) {
  a - r;
}
Var<T>& operator-=(Var<T>& a, const R& r) {
  return a = a - r;
}
template <class T, class R>
requires requires(const Var<T>& a, const R& r) {
  a* r;
}
Var<T>& operator*=(Var<T>& a, const R& r) {
  return a = a * r;
}
template <class T, class R>
requires requires(const Var<T>& a, const R& r) {
  a / r;
}
Var<T>& operator/=(Var<T>& a, const R& r) {
  return a = a / r;
}

// Comparisons give 0/1 masks (constants): `where(x > 0, x, 0.1 * x)`. (Two Parameters compare
// by identity instead, as before: Parameter's own ==.)
template <class A, class B>
concept Comparable = (Differentiable<A> && (Differentiable<B> || PlainNumber<B>)) ||
                     (PlainNumber<A> && Differentiable<B>);
template <class A, class B>
using compared_t = element_t<std::conditional_t<Differentiable<A>, A, B>>;
// A Var, Parameter or plain number as a Var of element type T (numbers as scalar constants).
template <class T, class X>
Var<T> as_var(const X& x) {
  if constexpr (PlainNumber<X>)
    return Var<T>(Tensor<T>::scalar(static_cast<T>(x)));
  else
    return Var<T>(x);
}
template <class A, class B>
requires Comparable<A, B> Var<compared_t<A, B>>
operator>(const A& a, const B& b) {
  using T = compared_t<A, B>;
  return gt(as_var<T>(a), as_var<T>(b));
}
template <class A, class B>
requires Comparable<A, B> Var<compared_t<A, B>>
operator>=(const A& a, const B& b) {
  using T = compared_t<A, B>;
  return ge(as_var<T>(a), as_var<T>(b));
}
template <class A, class B>
requires Comparable<A, B> Var<compared_t<A, B>>
operator<(const A& a, const B& b) {
  using T = compared_t<A, B>;
  return lt(as_var<T>(a), as_var<T>(b));
}
template <class A, class B>
requires Comparable<A, B> Var<compared_t<A, B>>
operator<=(const A& a, const B& b) {
  using T = compared_t<A, B>;
  return le(as_var<T>(a), as_var<T>(b));
}
template <class A, class B>
requires Comparable<A, B> Var<compared_t<A, B>>
operator==(const A& a, const B& b) {
  using T = compared_t<A, B>;
  return eq(as_var<T>(a), as_var<T>(b));
}
template <class A, class B>
requires Comparable<A, B> Var<compared_t<A, B>>
operator!=(const A& a, const B& b) {
  using T = compared_t<A, B>;
  return ne(as_var<T>(a), as_var<T>(b));
}

}  // namespace tapegrad
