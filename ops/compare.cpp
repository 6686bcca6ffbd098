// Comparisons gt, ge, lt, le, eq, ne of two Vars with NumPy broadcasting: 1 where the comparison
// holds, else 0, as a constant. A mask has no gradient, so nothing is recorded; where() and the
// derivative rules (ops/rule.hpp) take masks as their conditions.
#include <functional>

#include "../graph/op.hpp"
#include "broadcast.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T, class Compare>
Var<T> compare(std::string_view name, const Var<T>& a, const Var<T>& b, Compare holds) {
  const NoGradGuard constant;  // the output is a constant whatever the inputs need
  Op<T> op(name, a, b);
  const Value<T>&x = op.input(0), &y = op.input(1);
  const Shape shape = detail::broadcast_shapes(name, x.shape, y.shape);
  T* out = op.output(shape);
  detail::for_each_broadcast<2>(shape, {&x.shape, &y.shape}, [&](std::size_t i, const auto& at) {
    out[i] = holds(x.data[at[0]], y.data[at[1]]) ? T(1) : T(0);
  });
  return op.finish_constant();
}

}  // namespace

Var<float> gt(const Var<float>& a, const Var<float>& b) {
  return compare("gt", a, b, std::greater<float>());
}
Var<double> gt(const Var<double>& a, const Var<double>& b) {
  return compare("gt", a, b, std::greater<double>());
}
Var<float> ge(const Var<float>& a, const Var<float>& b) {
  return compare("ge", a, b, std::greater_equal<float>());
}
Var<double> ge(const Var<double>& a, const Var<double>& b) {
  return compare("ge", a, b, std::greater_equal<double>());
}
Var<float> lt(const Var<float>& a, const Var<float>& b) {
  return compare("lt", a, b, std::less<float>());
}
Var<double> lt(const Var<double>& a, const Var<double>& b) {
  return compare("lt", a, b, std::less<double>());
}
Var<float> le(const Var<float>& a, const Var<float>& b) {
  return compare("le", a, b, std::less_equal<float>());
}
Var<double> le(const Var<double>& a, const Var<double>& b) {
  return compare("le", a, b, std::less_equal<double>());
}
Var<float> eq(const Var<float>& a, const Var<float>& b) {
  return compare("eq", a, b, std::equal_to<float>());
}
Var<double> eq(const Var<double>& a, const Var<double>& b) {
  return compare("eq", a, b, std::equal_to<double>());
}
Var<float> ne(const Var<float>& a, const Var<float>& b) {
  return compare("ne", a, b, std::not_equal_to<float>());
}
Var<double> ne(const Var<double>& a, const Var<double>& b) {
  return compare("ne", a, b, std::not_equal_to<double>());
}

}  // namespace tapegrad
