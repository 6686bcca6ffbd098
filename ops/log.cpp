// log(a), the natural logarithm, elementwise. d log a/da = 1/a. As std::log: log 0 = −inf and
// log of a negative number is NaN; no error is raised.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Log {
  static constexpr std::string_view name = "log";
  auto value(auto a) const { return log(a); }
  auto derivative(auto a, auto) const { return 1 / a; }  // d log a/da = 1/a
};

}  // namespace

Var<float> log(const Var<float>& a) {
  return unary_op(a, Log{});
}
Var<double> log(const Var<double>& a) {
  return unary_op(a, Log{});
}

}  // namespace tapegrad
