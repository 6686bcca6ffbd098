// Random inputs for op tests, drawn from a case's domain with a fixed seed.
#pragma once

#include <random>

#include "ops/catalog.hpp"

namespace tapegrad::testing {

inline Tensor<double> random_input(const Shape& shape, Domain domain, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> any(-2.0, 2.0), magnitude(0.2, 2.0), positive(0.5, 2.0);
  Tensor<double> t(shape);
  for (double& v : t.values()) {
    switch (domain) {
      case Domain::kAny:
        v = any(rng);
        break;
      case Domain::kPositive:
        v = positive(rng);
        break;
      case Domain::kAwayFromZero:
        v = (rng() & 1 ? 1.0 : -1.0) * magnitude(rng);
        break;
    }
  }
  return t;
}

}  // namespace tapegrad::testing
