// `tapegrad explain`: the chain rule for one parameter element, with its numbers. For the seed
// network of the reference derivation, the derivation's own product of factors
//   ∂E/∂w_hj = ∂E/∂ŷ · ∂ŷ/∂z_h · ∂z_h/∂a_h · ∂a_h/∂w_hj = −(y − ŷ) · v_h · z_h(1 − z_h) · x_j
// with the example's numbers substituted; for any model, the paths from the element to the loss
// on the element graph (graph/paths.hpp), each a product of local derivatives, and their sum;
// then autodiff's value and a central finite difference. The HTML viewer (`dot --html`) shows
// the same text for each parameter element.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/parameter.hpp"
#include "graph/views/graph_view.hpp"
#include "graph/views/paths.hpp"
#include "models/mlp.hpp"
#include "seed_example.hpp"

namespace tapegrad::tools {

// One loss, recorded and differentiated in double, ready to be explained.
struct ExplainSubject {
  std::string title;            // "the seed MLP (d = 3, H = 4), example of seed 1"
  ComputationGraph expanded;    // the expanded view after backward
  std::string loss_name = "E";  // the root's name in the graph
  // The parameters by name; finite differences move their elements and call `loss`.
  std::vector<std::pair<std::string, Parameter<double>>> parameters;
  std::function<double()> loss;  // the loss with the parameters as they are now (no tape kept)
  std::shared_ptr<const SeedExample> seed;  // set for the seed network: its derivation applies
};

// Renames the subject's graph by the reference derivation (use_derivation_names in
// graph/names.hpp): explain and the viewer then print w_23, z_2, x_3. Throws Error for a model
// the derivation does not describe.
void name_by_derivation(ExplainSubject& subject);

// net.forward(x) with its values labelled for graph dumps in the derivation's notation, layer k
// (1-based) giving a_k = W_k h + b_k and z_k = activation(a_k); the last layer's output is "ŷ".
Var<double> labelled_forward(MLP<double>& net, const Var<double>& x);

// The seed network (d inputs, H hidden units) on the example of make_seed_example(seed).
ExplainSubject seed_subject(std::size_t inputs, std::size_t hidden, std::uint64_t seed);

// A model from files on row `row` of its data, or on every row as one batch if `row` is empty
// (the loss `tapegrad grad` differentiates). Throws Error for bad files or an out-of-range row.
ExplainSubject model_subject(const std::string& model, const std::string& weights,
                             const std::string& data, std::optional<std::size_t> row);

// One factor of the reference derivation's product.
struct ChainFactor {
  std::string symbol;       // "∂z_2/∂a_2"
  std::string formula;      // "z_2(1 − z_2)"
  std::string substituted;  // "0.7539(1 − 0.7539)"
  double value = 0;
};

// The derivation's factors for one element of the seed network, with values computed from the
// network's parameters and the example by plain arithmetic (no tape): for v_h (layers.1.weight
// [0,h−1]) ∂E/∂ŷ · ∂ŷ/∂v_h = −(y − ŷ) · z_h; for v_0 the same with z_0 = 1; for w_hj
// (layers.0.weight[h−1,j−1]) the four factors above; for w_h0 (layers.0.bias[h−1]) x_0 = 1.
// `digits`: significant digits of the substituted numbers.
struct SeedChain {
  std::string derivation;  // "w_2,3": 1-based, as in the derivation
  std::vector<ChainFactor> factors;
  double product = 1;
};
SeedChain seed_chain(const SeedExample& example, std::string_view tensor, std::size_t element,
                     int digits = 6);

// The seed network's forward pass by plain arithmetic (no tape): z_1..z_H (at index h − 1), ŷ.
struct SeedForward {
  std::vector<double> z;
  double prediction = 0;
};
SeedForward seed_forward(const SeedExample& example);

// `explain --hessian`: the Hessian of E with respect to the output layer (v_0, v_1..v_H), by
// autodiff (the gradient recorded with create_graph, differentiated again) against the
// derivation's z_h z_k (z_0 = 1), [H+1, H+1] in the order v_0, v_1, ..., v_H.
struct SeedHessian {
  std::vector<double> z;  // z_0 = 1, z_1..z_H
  Tensor<double> formula, autodiff;
  std::string text;
  bool agree = false;  // every entry within 1e-12 relative
};
SeedHessian seed_output_hessian(const SeedExample& example, int digits = 6);

struct ExplainOptions {
  std::size_t paths = 5;  // paths shown, largest |product| first; the rest in one line
  int digits = 6;         // significant digits of the numbers shown
  double eps = 0;         // finite-difference step as in graph/gradcheck.hpp (0: ε^(1/3))
  double atol = 1e-6;     // finite difference against autodiff, as gradcheck
  double rtol = 1e-5;
  double path_rtol = 1e-12;  // the sum over paths (and the derivation's product) against autodiff
};

struct Explanation {
  std::string text;
  std::string element;  // the vertex's name, "layers.0.weight[1,2]"
  double autodiff = 0;
  double finite_difference = 0;
  double step = 0;  // the finite difference's step h
  PathSummary paths;
  std::optional<SeedChain> chain;  // for the seed network
  bool agree = false;  // paths (and chain) within path_rtol of autodiff, and the finite difference
                       // within atol + rtol·|autodiff|
};

// Explains the parameter element `element` ("layers.0.weight[1,2]"; for the seed network also
// its derivation name "w_2,3", "v_1"). Throws Error if no parameter element has that name.
// Leaves the parameters' values as they were.
Explanation explain(const ExplainSubject& subject, std::string_view element,
                    const ExplainOptions& options = {});

// The names of the subject's parameter elements that reach the loss, in graph order.
std::vector<std::string> parameter_elements(const ExplainSubject& subject);

}  // namespace tapegrad::tools
