// clamp(a, min, max): a limited to [min, max], elementwise; either bound may be left out. The
// derivative is 1 where min ≤ a ≤ max, bounds included, and 0 outside (torch's convention at
// the kinks). NaN stays NaN.
#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

template <class T>
struct Clamp {
  static constexpr std::string_view name = "clamp";
  T lo, hi;
  auto value(auto a) const { return select(a < lo, lo, select(a > hi, hi, a)); }
  auto derivative(auto a, auto) const { return iverson(between(a, lo, hi)); }  // [lo ≤ a ≤ hi]
};
template <class T>
struct ClampMin {
  static constexpr std::string_view name = "clamp";
  T lo;
  auto value(auto a) const { return select(a < lo, lo, a); }
  auto derivative(auto a, auto) const { return iverson(a >= lo); }  // [a ≥ lo]
};
template <class T>
struct ClampMax {
  static constexpr std::string_view name = "clamp";
  T hi;
  auto value(auto a) const { return select(a > hi, hi, a); }
  auto derivative(auto a, auto) const { return iverson(a <= hi); }  // [a ≤ hi]
};

template <class T>
Var<T> clamp_forward(const Var<T>& a, std::optional<T> lo, std::optional<T> hi) {
  if (lo && hi) {
    if (!(*lo <= *hi))
      throw Error(fmt::format("clamp: min {} is above max {} (or one is NaN)", *lo, *hi));
    return unary_op(a, Clamp<T>{*lo, *hi});
  }
  if (lo) return unary_op(a, ClampMin<T>{*lo});
  if (hi) return unary_op(a, ClampMax<T>{*hi});
  throw Error("clamp: give min, max or both");
}

}  // namespace

Var<float> clamp(const Var<float>& a, std::optional<float> min, std::optional<float> max) {
  return clamp_forward(a, min, max);
}
Var<double> clamp(const Var<double>& a, std::optional<double> min, std::optional<double> max) {
  return clamp_forward(a, min, max);
}

}  // namespace tapegrad
