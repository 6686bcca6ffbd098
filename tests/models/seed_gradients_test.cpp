// The seed network's gradient three ways (formula, autodiff, finite differences) and the check
// that compares them, shown failing on a planted wrong value.
#include <catch2/catch.hpp>

#include "tapegrad.hpp"

namespace file_models_seed_gradients_test {  // the file's own scope: the test programs are unity
                                             // builds

using namespace tapegrad;

namespace {

struct Example {
  Generator generator{21};
  SeedNetwork<double> network{3, 4, &generator};
  Tensor<double> x{{3}, {0.4, -0.9, 1.3}};
  double y = 0.25;
};

}  // namespace

TEST_CASE("seed_gradient_table lists v_0..v_H then w_h0..w_hd with all three values agreeing",
          "[models][seed][formula]") {
  Example e;
  const auto rows = seed_gradient_table(e.network, e.x, e.y);
  REQUIRE(rows.size() == 1 + 4 + 4 * (1 + 3));
  CHECK(rows[0].derivation == "v_0");
  CHECK(rows[0].parameter == "layers.1.bias[0]");
  CHECK(rows[4].derivation == "v_4");
  CHECK(rows[5].derivation == "w_1,0");
  CHECK(rows.back().derivation == "w_4,3");
  CHECK(rows.back().parameter == "layers.0.weight[3,2]");
  CHECK(rows.back().formula == "−(y − ŷ) v_4 z_4(1 − z_4) x_3");
  for (const SeedGradientRow& row : rows) {
    INFO(row.derivation);
    CHECK(row.autodiff == Approx(row.formula_value).epsilon(1e-12));
    CHECK(row.finite_difference == Approx(row.autodiff).epsilon(1e-6).margin(1e-9));
  }
  CHECK_FALSE(first_disagreement(rows).has_value());
}

TEST_CASE("first_disagreement names a planted wrong formula value or finite difference",
          "[models][seed][formula]") {
  Example e;
  auto rows = seed_gradient_table(e.network, e.x, e.y);
  auto planted = rows;
  planted[7].formula_value *= 1 + 1e-9;  // far below any finite-difference tolerance
  const auto wrong_formula = first_disagreement(planted);
  REQUIRE(wrong_formula.has_value());
  CHECK(wrong_formula->derivation == rows[7].derivation);

  planted = rows;
  planted[11].finite_difference += 1e-3;
  const auto wrong_numeric = first_disagreement(planted);
  REQUIRE(wrong_numeric.has_value());
  CHECK(wrong_numeric->derivation == rows[11].derivation);
}

TEST_CASE("seed_gradient_table leaves the network's values and gradients as they were",
          "[models][seed][formula]") {
  Example e;
  Parameter<double> v = e.network.output_weight();  // a handle sharing the parameter
  v.grads()[1] = 3.0;
  const Tensor<double> before = e.network.hidden_weight().value();
  seed_gradient_table(e.network, e.x, e.y);
  CHECK(e.network.output_weight().grad()[1] == 3.0);
  const Tensor<double>& after = e.network.hidden_weight().value();
  CHECK(std::equal(before.values().begin(), before.values().end(), after.values().begin()));
}

}  // namespace file_models_seed_gradients_test
