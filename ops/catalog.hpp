// The op catalog: for every built-in op, one or more small cases (input shapes, a domain for the
// random inputs, the call, and the same computation in PyTorch). `tapegrad gradcheck` and the
// test suite run every case through gradcheck (first and second order), forward mode, and a
// differential test against PyTorch; a test checks that every file in ops/ has a case here.
#pragma once

#include <functional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../graph/var.hpp"

namespace tapegrad {

// Where a case's random inputs are drawn from.
enum class Domain {
  kAny,           // U(−2, 2)
  kPositive,      // U(0.5, 2): log, sqrt, pow's base
  kAwayFromZero,  // ±U(0.2, 2): division, and functions whose derivative jumps at 0 (relu, abs)
};

template <class T>
struct OpCase {
  using Call = std::function<Var<T>(std::span<const Var<T>>)>;
  // NOTE: a constructor rather than aggregate initialisation with default member initialisers,
  // which makes g++ 12 fail with an internal compiler error (nothrow_spec_p) on the catalog.
  OpCase(std::string op, std::string description, std::vector<Shape> inputs, Domain domain,
         Call call, std::string torch = {}, std::vector<double> kinks = {})
      : op(std::move(op)),
        description(std::move(description)),
        inputs(std::move(inputs)),
        domain(domain),
        call(std::move(call)),
        torch(std::move(torch)),
        kinks(std::move(kinks)) {}

  std::string op;           // the op's name, as its file in ops/ is named
  std::string description;  // what the case exercises
  std::vector<Shape> inputs;
  Domain domain;
  Call call;
  // The same computation in PyTorch: a Python expression in the inputs x0, x1, ... (float64
  // tensors), with `torch` and `F` (torch.nn.functional) in scope. The differential test against
  // PyTorch (tests/ops/torch_reference_test.cpp) evaluates it.
  std::string torch;
  // Values of an input at which the op's derivative (or second derivative) jumps, besides 0 for
  // kAwayFromZero: clamp's bounds, huber's ±delta. Random inputs keep 0.05 away from them, since
  // finite differences cannot check a derivative across a jump.
  std::vector<double> kinks;
};

template <class T>
std::vector<OpCase<T>> op_catalog();

// A random input for input `k` of case `c`: from the case's domain, away from its kinks.
template <class T>
Tensor<double> catalog_input(const OpCase<T>& c, std::size_t k, std::mt19937_64& rng);

extern template std::vector<OpCase<float>> op_catalog<float>();
extern template std::vector<OpCase<double>> op_catalog<double>();
extern template Tensor<double> catalog_input(const OpCase<float>&, std::size_t, std::mt19937_64&);
extern template Tensor<double> catalog_input(const OpCase<double>&, std::size_t, std::mt19937_64&);

}  // namespace tapegrad
