#include "explain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "graph/errors.hpp"
#include "graph/gradcheck.hpp"
#include "graph/higher_order.hpp"
#include "graph/tape.hpp"
#include "graph/views/names.hpp"
#include "models/io/config.hpp"
#include "models/io/csv_data.hpp"
#include "models/io/training.hpp"
#include "ops/ops.hpp"
#include "weights.hpp"

namespace tapegrad::tools {

namespace {

// A number as it is substituted into a product: negative ones in parentheses.
std::string number(double value, int digits) {
  const std::string text = fmt::format("{:.{}g}", value, digits);
  return value < 0 ? fmt::format("({})", text) : text;
}

GraphVertex parameter_vertex(const ExplainSubject& subject, std::string_view element) {
  const ComputationGraph& graph = subject.expanded;
  std::optional<GraphVertex> v;
  try {
    v = find_vertex(graph, element);
  } catch (const Error& error) {
    throw Error(fmt::format("explain: {}", error.what()));
  }
  if (!v)
    throw Error(fmt::format("explain: no parameter element '{}'; {}", element, valid_names(graph)));
  if (graph[*v].kind != VertexKind::kParameter)
    throw Error(fmt::format("explain: no parameter element '{}': it is {}, {}; {}", element,
                            graph[*v].kind == VertexKind::kOp ? "an op's output" : "an input",
                            graph[*v].name, valid_names(graph)));
  return *v;
}

Parameter<double> parameter_named(const ExplainSubject& subject, std::string_view tensor) {
  for (const auto& [name, parameter] : subject.parameters)
    if (name == tensor) return parameter;
  throw Error(fmt::format("explain: the graph's parameter '{}' is not among the model's", tensor));
}

// (E(θ + h) − E(θ − h)) / ((θ + h) − (θ − h)) for one element, restored afterwards.
double central_difference(const ExplainSubject& subject, std::string_view tensor,
                          std::size_t element, double eps, double& step) {
  Parameter<double> parameter = parameter_named(subject, tensor);
  double& theta = parameter.values()[element];
  const double original = theta;
  step = eps * std::max(1.0, std::abs(original));
  struct Restore {
    double& theta;
    double original;
    ~Restore() { theta = original; }
  } restore{theta, original};
  theta = original + step;
  const double plus_at = theta, plus = subject.loss();
  theta = original - step;
  const double minus_at = theta, minus = subject.loss();
  if (plus_at == minus_at)
    throw Error(
        fmt::format("explain: a step of {:.2g} does not move {}[{}] = {:g}; give a larger "
                    "--eps",
                    step, tensor, element, original));
  return (plus - minus) / (plus_at - minus_at);
}

// "E ← ŷ[0] ← z[1] ← a[1] ← layers.0.weight[1,2]", then the factors in the same order.
void print_path(std::string& out, const ComputationGraph& graph, const GradientPath& path,
                GraphVertex from, std::size_t number_shown, int digits) {
  const std::vector<GraphVertex> vertices = path_vertices(graph, path, from);
  std::vector<std::string_view> names;
  for (auto v = vertices.rbegin(); v != vertices.rend(); ++v) names.push_back(graph[*v].name);
  std::vector<std::string> formulas, values;
  for (auto e = path.edges.rbegin(); e != path.edges.rend(); ++e) {
    formulas.push_back(graph[*e].formula);
    values.push_back(number(graph[*e].factor, digits));
  }
  const std::string indent(fmt::format("  path {}: ", number_shown).size(), ' ');
  out += fmt::format("  path {}: {}\n", number_shown, fmt::join(names, " ← "));
  if (path.edges.empty()) {
    out += fmt::format("{}(the loss itself) = 1\n", indent);
    return;
  }
  out += fmt::format("{}{}\n", indent, fmt::join(formulas, " · "));
  out += fmt::format("{}= {} = {:.{}g}\n", indent, fmt::join(values, " × "), path.product, digits);
}

void print_chain(std::string& out, const SeedChain& chain, int digits) {
  std::vector<std::string_view> symbols, formulas, substituted;
  std::vector<std::string> values;
  for (const ChainFactor& f : chain.factors) {
    symbols.push_back(f.symbol);
    formulas.push_back(f.formula);
    substituted.push_back(f.substituted);
    values.push_back(number(f.value, digits));
  }
  const std::string head = fmt::format("  ∂E/∂{} = ", chain.derivation);
  // Align the continuation lines' "=" under the first one (counting characters, not bytes).
  std::size_t width = 0;
  for (unsigned char c : head) width += (c & 0xC0) != 0x80 ? 1 : 0;
  const std::string pad(width - 2, ' ');
  out += fmt::format("{}{}\n", head, fmt::join(symbols, " · "));
  out += fmt::format("{}= {}\n", pad, fmt::join(formulas, " · "));
  out += fmt::format("{}= {}\n", pad, fmt::join(substituted, " · "));
  out += fmt::format("{}= {}\n", pad, fmt::join(values, " × "));
  out += fmt::format("{}= {:.{}g}\n", pad, chain.product, digits);
}

bool close(double a, double b, double tolerance) {
  return std::abs(a - b) <= tolerance;
}

}  // namespace

void name_by_derivation(ExplainSubject& subject) {
  try {
    use_derivation_names(subject.expanded);
  } catch (const Error& error) {
    throw Error(fmt::format("--names derivation: {}", error.what()));
  }
}

Var<double> labelled_forward(MLP<double>& net, const Var<double>& x) {
  Var<double> h = x;
  const std::size_t n = net.layers().size();
  for (std::size_t k = 0; k < n; ++k) {
    const bool last = k + 1 == n, identity = net.activations()[k] == Activation::kIdentity;
    h = net.layer(k)(h);
    h.named(last && identity ? std::string("ŷ") : fmt::format("a{}", k + 1));
    if (identity) continue;
    h = activate(net.activations()[k], h);
    h.named(last ? std::string("ŷ") : fmt::format("z{}", k + 1));
  }
  return h;
}

ExplainSubject seed_subject(std::size_t inputs, std::size_t hidden, std::uint64_t seed) {
  auto example = std::make_shared<SeedExample>(make_seed_example(inputs, hidden, seed));
  ExplainSubject subject;
  subject.title =
      fmt::format("the seed MLP (d = {}, H = {}), example of seed {}", inputs, hidden, seed);
  {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    example->network.zero_grad();
    const Var<double> E = example->network.loss(example->x, example->y);
    E.backward();
    subject.expanded = expanded_view(tape, E);
  }
  subject.parameters = example->network.named_parameters();
  subject.loss = [example] {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    NoGradGuard no_grad;
    return example->network.loss(example->x, example->y).item();
  };
  subject.seed = example;
  return subject;
}

ExplainSubject model_subject(const std::string& model, const std::string& weights,
                             const std::string& data_path, std::optional<std::size_t> row) {
  const ModelConfig config = read_model_config(model);
  if (config.is_layered())
    throw Error(fmt::format(
        "explain: {} has typed layers; the explanation walks an MLP's layers, so it takes "
        "dense-only configs ({{\"units\", \"activation\"}} layers)",
        model));
  const Dataset data = read_model_data(data_path, config);
  check_targets(config.loss, data, 1e-12);  // in double
  if (row && *row >= data.rows)
    throw Error(fmt::format("explain: --row {} but {} has {} rows (0 to {})", *row, data_path,
                            data.rows, data.rows - 1));
  auto net = std::make_shared<MLP<double>>(config.mlp_options());
  load_weights(weights, *net);  // F32 weights are widened to double exactly
  std::vector<std::size_t> rows;
  if (row)
    rows.push_back(*row);
  else
    for (std::size_t r = 0; r < data.rows; ++r) rows.push_back(r);
  auto x = std::make_shared<Tensor<double>>(), y = std::make_shared<Tensor<double>>();
  gather_rows(data.x, rows, *x);
  gather_rows(data.y, rows, *y);
  const Loss loss = config.loss;
  auto record = [net, x, y, loss] {
    return apply_loss(loss, labelled_forward(*net, Var<double>(*x).named("x")),
                      Var<double>(*y).named("y"))
        .named("E");
  };

  ExplainSubject subject;
  subject.title =
      fmt::format("{} ({} loss), {}", config.name.empty() ? model : config.name, to_string(loss),
                  row ? fmt::format("row {} of {}", *row, data_path)
                      : fmt::format("all {} rows of {} as one batch", data.rows, data_path));
  {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    net->zero_grad();
    const Var<double> E = record();
    E.backward();
    GraphViewOptions view;
    try {
      subject.expanded = expanded_view(tape, E, view);
    } catch (const Error& error) {
      throw Error(
          fmt::format("explain: {}{}", error.what(), row ? "" : "; explain one row with --row"));
    }
  }
  subject.parameters = net->named_parameters();
  subject.loss = [record] {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    NoGradGuard no_grad;
    return record().item();
  };
  return subject;
}

std::vector<std::string> parameter_elements(const ExplainSubject& subject) {
  std::vector<std::string> names;
  const ComputationGraph& graph = subject.expanded;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph)))
    if (graph[v].kind == VertexKind::kParameter) names.push_back(graph[v].name);
  return names;
}

SeedForward seed_forward(const SeedExample& example) {
  const SeedNetwork<double>& net = example.network;
  const std::size_t d = net.inputs(), H = net.hidden();
  const auto W = net.hidden_weight().value().values(), w0 = net.hidden_bias().value().values();
  const auto v = net.output_weight().value().values();
  const auto x = example.x.values();
  SeedForward forward;
  forward.prediction = net.output_bias().value().values()[0];
  for (std::size_t h = 0; h < H; ++h) {
    double a = w0[h];
    for (std::size_t j = 0; j < d; ++j) a += W[h * d + j] * x[j];
    forward.z.push_back(1 / (1 + std::exp(-a)));
    forward.prediction += v[h] * forward.z.back();
  }
  return forward;
}

SeedChain seed_chain(const SeedExample& example, std::string_view tensor, std::size_t element,
                     int digits) {
  const SeedNetwork<double>& net = example.network;
  const std::size_t d = net.inputs(), H = net.hidden();
  const auto v = net.output_weight().value().values();
  const auto x = example.x.values();
  const SeedForward forward = seed_forward(example);
  const std::vector<double>& z = forward.z;
  const double prediction = forward.prediction;
  const double y = example.y[0];
  auto n = [digits](double value) { return number(value, digits); };

  SeedChain chain;
  chain.factors.push_back(
      {"∂E/∂ŷ", "−(y − ŷ)", fmt::format("−({} − {})", n(y), n(prediction)), -(y - prediction)});
  if (tensor == "layers.1.bias" || tensor == "layers.1.weight") {
    const std::size_t h = tensor == "layers.1.bias" ? 0 : element + 1;  // 1-based; 0 for v_0
    if (h > H) throw Error(fmt::format("seed_chain: {}[{}] is out of range", tensor, element));
    chain.derivation = fmt::format("v_{}", h);
    if (h == 0)
      chain.factors.push_back({"∂ŷ/∂v_0", "z_0", "1", 1.0});
    else
      chain.factors.push_back(
          {fmt::format("∂ŷ/∂v_{}", h), fmt::format("z_{}", h), n(z[h - 1]), z[h - 1]});
  } else if (tensor == "layers.0.weight" || tensor == "layers.0.bias") {
    const bool bias = tensor == "layers.0.bias";
    if (element >= (bias ? H : H * d))
      throw Error(fmt::format("seed_chain: {}[{}] is out of range", tensor, element));
    const std::size_t h = (bias ? element : element / d) + 1, j = bias ? 0 : element % d + 1;
    chain.derivation = derivation_weight_name(h, j);
    const double zh = z[h - 1];
    chain.factors.push_back(
        {fmt::format("∂ŷ/∂z_{}", h), fmt::format("v_{}", h), n(v[h - 1]), v[h - 1]});
    chain.factors.push_back({fmt::format("∂z_{0}/∂a_{0}", h), fmt::format("z_{0}(1 − z_{0})", h),
                             fmt::format("{}(1 − {})", n(zh), n(zh)), zh * (1 - zh)});
    const double xj = j == 0 ? 1.0 : x[j - 1];
    chain.factors.push_back({fmt::format("∂a_{}/∂{}", h, chain.derivation), fmt::format("x_{}", j),
                             j == 0 ? std::string("1") : n(xj), xj});
  } else {
    throw Error(fmt::format("seed_chain: '{}' is not a parameter of the seed network", tensor));
  }
  for (const ChainFactor& f : chain.factors) chain.product *= f.value;
  return chain;
}

namespace {

// The paths section: the largest paths, then the rest in one line.
void print_paths(std::string& out, const ComputationGraph& graph, GraphVertex from,
                 const PathSummary& paths, std::string_view loss_name, int digits) {
  const double shown = static_cast<double>(paths.largest.size());
  out += fmt::format("\nPaths from {} to {} on the element graph: {:.0f}", graph[from].name,
                     loss_name, paths.count);
  if (paths.count > shown)
    out += fmt::format(" (the {} with the largest |product| shown)", paths.largest.size());
  out += "\n";
  for (std::size_t k = 0; k < paths.largest.size(); ++k)
    print_path(out, graph, paths.largest[k], from, k + 1, digits);
  if (paths.count > shown)
    out += fmt::format("  the other {:.0f} paths together: {:.{}g}\n", paths.count - shown,
                       paths.rest, digits);
}

// The values side by side, the verdict in result.agree, and the lines saying so.
void judge(Explanation& result, const ExplainOptions& options) {
  const PathSummary& paths = result.paths;
  const double scale = std::max(std::abs(result.autodiff), paths.magnitude);
  const bool paths_agree = close(paths.total, result.autodiff, options.path_rtol * scale);
  const bool chain_agrees =
      !result.chain || close(result.chain->product, result.autodiff,
                             options.path_rtol * std::max(std::abs(result.autodiff),
                                                          std::abs(result.chain->product)));
  const bool numeric_agrees = close(result.finite_difference, result.autodiff,
                                    options.atol + options.rtol * std::abs(result.autodiff));
  result.agree = paths_agree && chain_agrees && numeric_agrees;

  const int digits = options.digits;
  std::string& out = result.text;
  out += "\n";
  out += fmt::format("  sum over the paths:   {:.{}g}\n", paths.total, digits);
  if (result.chain)
    out += fmt::format("  derivation's product: {:.{}g}\n", result.chain->product, digits);
  out += fmt::format("  autodiff (backward):  {:.{}g}\n", result.autodiff, digits);
  out += fmt::format("  finite difference:    {:.{}g}   (central, step {:.2g})\n",
                     result.finite_difference, digits, result.step);
  if (result.agree) {
    out += fmt::format(
        "  agree: {} to {:g} relative; the finite difference to {:g} + {:g}·|autodiff|\n",
        result.chain ? "paths, derivation and autodiff" : "paths and autodiff", options.path_rtol,
        options.atol, options.rtol);
    return;
  }
  out += "  DISAGREE:";
  if (!paths_agree) out += " the sum over paths is not autodiff's value;";
  if (!chain_agrees) out += " the derivation's product is not autodiff's value;";
  if (!numeric_agrees) out += " the finite difference is not autodiff's value;";
  out.back() = '\n';
}

}  // namespace

Explanation explain(const ExplainSubject& subject, std::string_view element,
                    const ExplainOptions& options) {
  const ComputationGraph& graph = subject.expanded;
  const GraphVertex from = parameter_vertex(subject, element);
  const VertexInfo& info = graph[from];
  if (info.grads.size() != 1)
    throw Error(fmt::format("explain: '{}' has no gradient in the graph", info.name));

  Explanation result;
  result.element = info.name;
  result.autodiff = info.grads[0];
  result.paths = gradient_paths(graph, from, options.paths);
  result.finite_difference =
      central_difference(subject, info.tensor, info.element,
                         relative_step(GradcheckOptions{.eps = options.eps}), result.step);
  if (subject.seed)
    result.chain = seed_chain(*subject.seed, info.tensor, info.element, options.digits);

  std::string& out = result.text;
  out += fmt::format("∂{}/∂{}", subject.loss_name, info.name);
  if (!info.alias.empty())
    out += fmt::format(" ({} in torch's names)", info.alias);
  else if (result.chain)
    out += fmt::format(" (∂E/∂{} in the derivation)", result.chain->derivation);
  out += fmt::format(" for {}\n", subject.title);
  if (result.chain) {
    out += "\nThe chain rule, as in the reference derivation:\n";
    print_chain(out, *result.chain, options.digits);
  }
  print_paths(out, graph, from, result.paths, subject.loss_name, options.digits);
  judge(result, options);
  return result;
}

namespace {

// ∂²E/∂(v_0, v)² by autodiff: ∂E/∂(v_0, v) recorded with create_graph, then each of its
// elements differentiated again; [H+1, H+1] in the order v_0, v_1, ..., v_H.
Tensor<double> output_layer_hessian(const SeedExample& example) {
  const SeedNetwork<double>& net = example.network;
  const std::size_t n = net.hidden() + 1;
  Tensor<double> hessian(Shape{n, n});
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> b = tape.variable(net.output_bias().value(), true, "v_0");
  const Var<double> V = tape.variable(net.output_weight().value(), true, "v");
  const Var<double> zv = sigmoid(linear(example.x, net.hidden_weight(), net.hidden_bias()));
  const Var<double> E = sse_loss(linear(zv, V, b), example.y);
  const std::vector<Var<double>> g = grad(E, {b, V}, {.create_graph = true});
  for (std::size_t h = 0; h < n; ++h) {
    const Var<double>& part = h == 0 ? g[0] : g[1];
    Tensor<double> unit(part.shape());
    unit.values()[h == 0 ? 0 : h - 1] = 1;
    const std::vector<Var<double>> row = grad(part, {b, V}, {}, Var<double>(unit));
    hessian.values()[h * n] = row[0].data()[0];
    for (std::size_t k = 1; k < n; ++k) hessian.values()[h * n + k] = row[1].data()[k - 1];
  }
  return hessian;
}

}  // namespace

SeedHessian seed_output_hessian(const SeedExample& example, int digits) {
  const SeedNetwork<double>& net = example.network;
  const std::size_t H = net.hidden(), n = H + 1;
  SeedHessian result;
  result.z.push_back(1.0);  // z_0 = 1: v_0's input
  for (double z : seed_forward(example).z) result.z.push_back(z);
  result.formula = Tensor<double>(Shape{n, n});
  for (std::size_t h = 0; h < n; ++h)
    for (std::size_t k = 0; k < n; ++k)
      result.formula.values()[h * n + k] = result.z[h] * result.z[k];

  result.autodiff = output_layer_hessian(example);
  double worst = 0;
  result.agree = true;
  for (std::size_t i = 0; i < n * n; ++i) {
    const double a = result.autodiff.values()[i], f = result.formula.values()[i];
    worst = std::max(worst, std::abs(a - f));
    result.agree = result.agree && close(a, f, 1e-12 * std::max(std::abs(f), 1e-300));
  }

  std::string& out = result.text;
  out += fmt::format(
      "∂²E/∂v_h∂v_k for the seed MLP (d = {}, H = {}), h, k = 0..{} (v_0 is the output bias)\n\n"
      "E = ½(y − ŷ)² and ŷ = Σ_h v_h z_h + v_0 is linear in v, so\n"
      "  ∂E/∂v_h = −(y − ŷ) z_h   and   ∂²E/∂v_h∂v_k = (∂ŷ/∂v_h)(∂ŷ/∂v_k) = z_h z_k   (z_0 = "
      "1)\n\n",
      net.inputs(), H, H);
  std::vector<std::string> zs;
  for (double z : result.z) zs.push_back(fmt::format("{:.{}g}", z, digits));
  out += fmt::format("z = [{}]\n\n", fmt::join(zs, ", "));
  const int width = digits + 8;
  out += fmt::format("autodiff (backward of the recorded gradient):\n{:>6}", "");
  for (std::size_t k = 0; k < n; ++k) out += fmt::format("{:>{}}", fmt::format("v_{}", k), width);
  out += "\n";
  for (std::size_t h = 0; h < n; ++h) {
    out += fmt::format("{:>6}", fmt::format("v_{}", h));
    for (std::size_t k = 0; k < n; ++k)
      out += fmt::format("{:>{}.{}g}", result.autodiff.values()[h * n + k], width, digits);
    out += "\n";
  }
  out += fmt::format(
      "\nmax |autodiff − z_h z_k| = {:.2g}: {}\n", worst,
      result.agree ? "agree (to 1e-12 relative)" : "DISAGREE: autodiff's Hessian is not z zᵀ");
  return result;
}

}  // namespace tapegrad::tools
