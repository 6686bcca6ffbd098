// The op catalog: for every built-in op, one or more small cases (input shapes, a domain for the
// random inputs, and the call). `tapegrad gradcheck` and the test suite run every case through
// gradcheck; a test checks that every file in ops/ has at least one case here.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "../graph/var.hpp"

namespace tapegrad {

// Where a case's random inputs are drawn from.
enum class Domain {
  kAny,           // U(−2, 2)
  kPositive,      // U(0.5, 2): log
  kAwayFromZero,  // ±U(0.2, 2): relu, whose derivative jumps at 0
};

template <class T>
struct OpCase {
  std::string op;           // the op's name, as its file in ops/ is named
  std::string description;  // what the case exercises
  std::vector<Shape> inputs;
  Domain domain = Domain::kAny;
  std::function<Var<T>(std::span<const Var<T>>)> call;
};

template <class T>
std::vector<OpCase<T>> op_catalog();

extern template std::vector<OpCase<float>> op_catalog<float>();
extern template std::vector<OpCase<double>> op_catalog<double>();

}  // namespace tapegrad
