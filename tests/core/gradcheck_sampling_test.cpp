// gradcheck on large or hostile inputs: a seeded sample of at most max_elements elements per
// parameter, a progress callback, tolerances that refuse NaN, a step within its range, and no op
// blamed for values that overflowed.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <vector>

#include "graph/gradcheck.hpp"
#include "graph/tape.hpp"
#include "ops/ops.hpp"

namespace file_core_gradcheck_sampling_test {  // the file's own scope: the test programs are unity
                                               // builds

using namespace tapegrad;
using Catch::Contains;

namespace {

// f(w) = Σ tanh(w): one output, every element's derivative 1 − tanh².
struct TanhSum {
  Parameter<double> w{Tensor<double>(Shape{50}), "w"};
  TanhSum() {
    for (std::size_t i = 0; i < w.size(); ++i) w.values()[i] = 0.02 * static_cast<double>(i) - 0.5;
  }
  Var<double> operator()() const { return sum(tanh(Var<double>(w))); }
};

}  // namespace

TEST_CASE("max_elements checks a seeded sample of distinct elements per parameter",
          "[core][gradcheck][sample]") {
  TanhSum f;
  GradcheckOptions options;
  options.max_elements = 7;
  options.report_worst = 50;
  options.detect_kinks = false;
  const auto sampled = [&](std::uint64_t seed) {
    options.sample_seed = seed;
    const GradcheckResult result =
        gradcheck(std::vector<Parameter<double>>{f.w}, std::ref(f), options);
    const ParameterCheck& p = result.parameters.at(0);
    std::set<std::size_t> elements;
    for (const JacobianEntry& e : p.worst_entries) elements.insert(e.element);  // all kept
    CHECK(p.checked == 7);
    return elements;
  };
  const std::set<std::size_t> first = sampled(1), again = sampled(1), other = sampled(2);
  CHECK(first.size() == 7);
  CHECK(first == again);  // the seed decides
  CHECK(first != other);
  options.max_elements = 0;
  CHECK(gradcheck(std::vector<Parameter<double>>{f.w}, std::ref(f), options)
            .parameters.at(0)
            .checked == 50);
}

TEST_CASE("the progress callback counts every checked element up to the total",
          "[core][gradcheck][progress]") {
  TanhSum f;
  GradcheckOptions options;
  options.max_elements = 9;
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  options.progress = [&](std::size_t done, std::size_t total) { calls.emplace_back(done, total); };
  const GradcheckResult result =
      gradcheck(std::vector<Parameter<double>>{f.w}, std::ref(f), options);
  CHECK(result.passed);
  REQUIRE(calls.size() == 9);
  for (std::size_t k = 0; k < calls.size(); ++k) CHECK(calls[k] == std::pair{k + 1, 9ul});
}

TEST_CASE("NaN or negative tolerances and steps out of range are refused, not applied",
          "[core][gradcheck]") {
  TanhSum f;
  for (const auto& [atol, rtol] :
       {std::pair{NAN, 1e-5}, {1e-6, NAN}, {-1.0, 1e-5}, {1e-6, -1.0}, {INFINITY, 1e-5}}) {
    GradcheckOptions options;
    options.atol = atol;
    options.rtol = rtol;
    CHECK_THROWS_WITH(gradcheck(std::vector<Parameter<double>>{f.w}, std::ref(f), options),
                      Contains("must be a finite number ≥ 0"));
  }
  for (double eps : {1e300, 1e-300, 0.2, 1e-13}) {
    INFO(eps);
    CHECK_THROWS_WITH(relative_step(GradcheckOptions{.eps = eps}),
                      Contains("a relative step from 1e-12 to 0.1"));
  }
  CHECK(relative_step(GradcheckOptions{.eps = 1e-12}) == 1e-12);
  CHECK(relative_step(GradcheckOptions{.eps = 0.1}) == 0.1);
}

TEST_CASE("an op whose finite differences overflow is not blamed", "[core][gradcheck][locate]") {
  // exp at 709.78: e^709.78 is finite (ln of double's largest value is 709.7827), but the probe
  // at θ + h = 709.784 is not, so the finite difference is infinite. exp's backward is right; the
  // check cannot tell, and says so by blaming nothing.
  Parameter<double> p(Tensor<double>(Shape{1}, {709.78}), "p");
  const auto f = [&] { return sum(exp(Var<double>(p))); };
  const GradcheckResult whole = gradcheck(std::vector<Parameter<double>>{p}, f);
  CHECK_FALSE(whole.passed);
  CHECK_FALSE(std::isfinite(whole.parameters.at(0).worst.numeric));
  const std::vector<OpCheck> ops = check_ops(f);
  REQUIRE(ops.size() == 2);
  CHECK_FALSE(ops[0].passed);  // exp's own check fails on the infinite difference...
  CHECK_FALSE(locate_wrong_op(f).has_value());  // ...and it is not named as the wrong op
}

}  // namespace file_core_gradcheck_sampling_test
