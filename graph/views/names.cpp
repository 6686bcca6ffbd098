// graph/names.hpp: the derivation's network recognised in a view by its structure (a loss of a
// linear output of an activation of a linear layer of a leaf), its names, and the grammar of
// vertex_named.
#include "names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <unordered_map>

#include "../errors.hpp"

namespace tapegrad {

std::string derivation_weight_name(std::size_t h, std::size_t j) {
  return h < 10 && j < 10 ? fmt::format("w_{}{}", h, j) : fmt::format("w_{},{}", h, j);
}

namespace {

// The vertices of one tensor, in element order (a view adds them so).
struct TensorGroup {
  std::string name;  // VertexInfo::tensor
  std::vector<GraphVertex> vertices;
};

class Tensors {
 public:
  explicit Tensors(const ComputationGraph& graph) : graph_(graph) {
    for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph))) {
      auto [it, added] = index_.try_emplace(graph[v].tensor, groups_.size());
      if (added) groups_.push_back({graph[v].tensor, {}});
      groups_[it->second].vertices.push_back(v);
    }
  }
  const TensorGroup* find(std::string_view name) const {
    const auto it = index_.find(std::string(name));
    return it == index_.end() ? nullptr : &groups_[it->second];
  }
  const VertexInfo& info(const TensorGroup& group) const { return graph_[group.vertices.front()]; }
  const std::vector<TensorGroup>& all() const { return groups_; }

 private:
  const ComputationGraph& graph_;
  std::vector<TensorGroup> groups_;
  std::unordered_map<std::string, std::size_t> index_;
};

// The derivation's network in a view: E(ŷ, y) with ŷ = linear(z, v, v_0), z = f(a),
// a = linear(x, W, w_0); the biases may be missing.
struct Seed {
  const TensorGroup *x = nullptr, *W = nullptr, *w0 = nullptr, *a = nullptr, *z = nullptr,
                    *v = nullptr, *v0 = nullptr, *yhat = nullptr, *y = nullptr, *E = nullptr;
  std::size_t d = 0, H = 0;
  bool expanded = false;
};

// The tensor an op vertex read as input k, if the graph has it.
const TensorGroup* operand(const Tensors& tensors, const TensorGroup* op, std::size_t k) {
  if (op == nullptr) return nullptr;
  const VertexInfo& info = tensors.info(*op);
  return k < info.inputs.size() ? tensors.find(info.inputs[k]) : nullptr;
}

bool is_kind(const Tensors& tensors, const TensorGroup* group, VertexKind kind) {
  return group != nullptr && tensors.info(*group).kind == kind;
}

std::optional<Seed> find_seed(const Tensors& tensors) {
  Seed s;
  for (const TensorGroup& group : tensors.all())
    if (tensors.info(group).root) s.E = &group;
  if (!is_kind(tensors, s.E, VertexKind::kOp) || tensors.info(*s.E).inputs.size() != 2)
    return std::nullopt;
  s.yhat = operand(tensors, s.E, 0);
  s.y = operand(tensors, s.E, 1);
  if (!is_kind(tensors, s.yhat, VertexKind::kOp) || tensors.info(*s.yhat).op != "linear" ||
      s.y == nullptr || tensors.info(*s.y).kind == VertexKind::kOp)
    return std::nullopt;
  s.z = operand(tensors, s.yhat, 0);
  s.v = operand(tensors, s.yhat, 1);
  s.v0 = operand(tensors, s.yhat, 2);
  s.a = operand(tensors, s.z, 0);
  if (!is_kind(tensors, s.z, VertexKind::kOp) || tensors.info(*s.z).inputs.size() != 1 ||
      !is_kind(tensors, s.a, VertexKind::kOp) || tensors.info(*s.a).op != "linear")
    return std::nullopt;
  s.x = operand(tensors, s.a, 0);
  s.W = operand(tensors, s.a, 1);
  s.w0 = operand(tensors, s.a, 2);
  if (s.x == nullptr || tensors.info(*s.x).kind == VertexKind::kOp ||
      !is_kind(tensors, s.W, VertexKind::kParameter) ||
      !is_kind(tensors, s.v, VertexKind::kParameter))
    return std::nullopt;
  s.d = tensors.info(*s.x).size;
  s.H = tensors.info(*s.a).size;
  const auto size = [&](const TensorGroup* g) { return g ? tensors.info(*g).size : 0; };
  if (size(s.W) != s.H * s.d || size(s.z) != s.H || size(s.v) != s.H || size(s.yhat) != 1 ||
      size(s.y) != 1 || (s.w0 && size(s.w0) != s.H) || (s.v0 && size(s.v0) != 1))
    return std::nullopt;
  if (tensors.all().size() != 8u + (s.w0 ? 1 : 0) + (s.v0 ? 1 : 0)) return std::nullopt;
  // A tensor view names x "x"; an expanded view its elements "x[0]", ...
  const VertexInfo& x0 = tensors.info(*s.x);
  s.expanded = (x0.alias.empty() ? x0.name : x0.alias) != s.x->name;
  for (const TensorGroup& group : tensors.all())
    if (group.vertices.size() != (s.expanded ? tensors.info(group).size : 1)) return std::nullopt;
  return s;
}

void name_tensors(const Seed& s, std::vector<std::string>& names) {
  const std::pair<const TensorGroup*, const char*> table[] = {
      {s.x, "x"}, {s.W, "W"},    {s.w0, "w_0"}, {s.a, "a"}, {s.z, "z"},
      {s.v, "v"}, {s.v0, "v_0"}, {s.yhat, "ŷ"}, {s.y, "y"}, {s.E, "E"}};
  for (const auto& [group, name] : table)
    if (group != nullptr)
      for (GraphVertex v : group->vertices) names[v] = std::string(name);
}

void name_elements(const ComputationGraph& graph, const Seed& s, std::vector<std::string>& names) {
  for (GraphVertex v : s.x->vertices) names[v] = fmt::format("x_{}", graph[v].element + 1);
  for (GraphVertex v : s.W->vertices)
    names[v] = derivation_weight_name(graph[v].element / s.d + 1, graph[v].element % s.d + 1);
  if (s.w0)
    for (GraphVertex v : s.w0->vertices) names[v] = derivation_weight_name(graph[v].element + 1, 0);
  for (GraphVertex v : s.a->vertices) names[v] = fmt::format("a_{}", graph[v].element + 1);
  for (GraphVertex v : s.z->vertices) names[v] = fmt::format("z_{}", graph[v].element + 1);
  for (GraphVertex v : s.v->vertices) names[v] = fmt::format("v_{}", graph[v].element + 1);
  // (std::string temporaries: GCC 12 at -O3 warns wrongly about assigning short literals.)
  if (s.v0) names[s.v0->vertices.front()] = std::string("v_0");
  names[s.yhat->vertices.front()] = std::string("ŷ");
  names[s.y->vertices.front()] = std::string("y");
  names[s.E->vertices.front()] = std::string("E");
}

bool name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x80 && (std::isalnum(u) || c == '_' || c == '.' || c == '[');
}

// `text` with every whole occurrence of a key replaced by its value (a key's neighbours must not
// be ASCII name characters); longer keys first.
std::string replace_names(std::string_view text,
                          std::vector<std::pair<std::string, std::string>> names) {
  std::sort(names.begin(), names.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    bool replaced = false;
    for (const auto& [from, to] : names) {
      const std::size_t end = i + from.size();
      if (from.empty() || text.substr(i, from.size()) != from) continue;
      if ((i > 0 && name_char(text[i - 1])) || (end < text.size() && name_char(text[end])))
        continue;
      out += to;
      i = end;
      replaced = true;
      break;
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

// The expanded view's formula of edge e, with the elements' derivation names.
std::string element_formula(const ComputationGraph& graph, const Seed& s,
                            const std::vector<std::string>& names, GraphEdge e) {
  const GraphVertex from = boost::source(e, graph), to = boost::target(e, graph);
  const VertexInfo& target = graph[to];
  const std::size_t input = graph[e].input, element = graph[from].element;
  if (target.tensor == s.a->name) {  // a_h = Σ_j w_hj x_j + w_h0
    if (input == 0) return names[s.W->vertices.at(target.element * s.d + element)];
    if (input == 1) return names[s.x->vertices.at(element % s.d)];
    return "1";
  }
  if (target.tensor == s.yhat->name) {  // ŷ = Σ_h v_h z_h + v_0
    if (input == 0) return names[s.v->vertices.at(element)];
    if (input == 1) return names[s.z->vertices.at(element)];
    return "1";
  }
  if (target.tensor == s.z->name)  // z_h = f(a_h): its formula in z_h and a_h
    return replace_names(graph[e].formula, {{s.z->name, names[to]}, {s.a->name, names[from]}});
  return replace_names(graph[e].formula, {{s.yhat->name, "ŷ"}, {s.y->name, "y"}, {s.E->name, "E"}});
}

}  // namespace

std::optional<std::vector<std::string>> derivation_names(const ComputationGraph& graph) {
  const Tensors tensors(graph);
  const std::optional<Seed> seed = find_seed(tensors);
  if (!seed) return std::nullopt;
  std::vector<std::string> names(boost::num_vertices(graph));
  if (seed->expanded)
    name_elements(graph, *seed, names);
  else
    name_tensors(*seed, names);
  return names;
}

void use_derivation_names(ComputationGraph& graph) {
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph)))
    if (!graph[v].alias.empty()) return;  // renamed already
  const Tensors tensors(graph);
  const std::optional<Seed> seed = find_seed(tensors);
  if (!seed)
    throw Error(
        "the derivation's names fit its network, for one example: inputs x, one hidden layer "
        "a = linear(x, W, w_0), z = activation(a), one output ŷ = linear(z, v, v_0), and a loss "
        "E(ŷ, y); this graph is of another model (use torch's names)");
  const std::vector<std::string> names = *derivation_names(graph);
  std::vector<std::pair<std::string, std::string>> tensor_names;
  for (const TensorGroup& group : tensors.all())
    if (!seed->expanded) tensor_names.emplace_back(group.name, names[group.vertices.front()]);
  for (GraphEdge e : boost::make_iterator_range(boost::edges(graph))) {
    EdgeInfo& edge = graph[e];
    if (seed->expanded) {
      edge.formula = element_formula(graph, *seed, names, e);
      edge.label = fmt::format("{} = {:.6g}", edge.formula, edge.factor);
    } else {
      edge.formula = replace_names(edge.formula, tensor_names);
      edge.label = fmt::format("∂{}/∂{} = {}", names[boost::target(e, graph)],
                               names[boost::source(e, graph)], edge.formula);
    }
  }
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph))) {
    graph[v].alias = graph[v].name;
    graph[v].name = names[v];
  }
}

namespace {

// "[4,3]" → {4, 3}; "[]" → {}.
std::vector<std::size_t> dims_of(std::string_view shape) {
  std::vector<std::size_t> dims;
  for (std::size_t i = 1; i < shape.size();) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(shape.data() + i, shape.data() + shape.size(), value);
    if (error != std::errc()) break;
    dims.push_back(value);
    i = static_cast<std::size_t>(end - shape.data()) + 1;
  }
  return dims;
}

// "layers.0.weight[i,j] with i 0..3, j 0..2" (a dimension of 1: "0").
std::string element_pattern(const std::string& tensor, std::string_view shape) {
  const std::vector<std::size_t> dims = dims_of(shape);
  if (dims.empty()) return tensor;
  static constexpr char kLetters[] = "ijklmnop";
  std::vector<std::string> index, ranges;
  for (std::size_t k = 0; k < dims.size() && k < 8; ++k) {
    if (dims[k] == 1) {
      index.emplace_back("0");
      continue;
    }
    index.emplace_back(1, kLetters[k]);
    ranges.push_back(fmt::format("{} 0..{}", kLetters[k], dims[k] - 1));
  }
  return fmt::format("{}[{}]{}{}", tensor, fmt::join(index, ","), ranges.empty() ? "" : " with ",
                     fmt::join(ranges, ", "));
}

// The derivation's names of a tensor of its network, as a pattern ("w_hj with h 1..4, j 1..3").
std::string derivation_pattern(const Seed& s, const TensorGroup* group) {
  const std::string H = fmt::format("1..{}", s.H);
  if (!s.expanded) {
    for (const auto& [g, name] : {std::pair{s.x, "x"},
                                  {s.W, "W"},
                                  {s.w0, "w_0"},
                                  {s.a, "a"},
                                  {s.z, "z"},
                                  {s.v, "v"},
                                  {s.v0, "v_0"}})
      if (g == group) return name;
    return {};
  }
  if (group == s.W) return fmt::format("w_hj with h {}, j 1..{}", H, s.d);
  if (group == s.w0) return fmt::format("w_h0 with h {}", H);
  if (group == s.v) return fmt::format("v_h with h {}", H);
  if (group == s.v0) return "v_0";
  if (group == s.x) return fmt::format("x_j with j 1..{}", s.d);
  if (group == s.a) return fmt::format("a_h with h {}", H);
  if (group == s.z) return fmt::format("z_h with h {}", H);
  return {};
}

}  // namespace

std::string valid_names(const ComputationGraph& graph) {
  const Tensors tensors(graph);
  const std::optional<Seed> seed = find_seed(tensors);
  const bool expanded = seed ? seed->expanded : tensors.all().size() < boost::num_vertices(graph);
  std::string parameters, others;
  for (const TensorGroup& group : tensors.all()) {
    const VertexInfo& info = tensors.info(group);
    const std::string derivation = seed ? derivation_pattern(*seed, &group) : std::string();
    const std::string torch =
        expanded && info.size > 1 ? element_pattern(group.name, info.shape) : group.name;
    const std::string also =
        derivation.empty() || derivation == torch ? "" : fmt::format("; or {}", derivation);
    std::string& list = info.kind == VertexKind::kParameter ? parameters : others;
    list += fmt::format("\n    {} {}: {}{}", group.name, info.shape, torch, also);
  }
  std::string text = fmt::format("valid names{}:\n  parameters:{}",
                                 seed ? " (torch's count from 0, the derivation's from 1)" : "",
                                 parameters.empty() ? " none" : parameters);
  if (!others.empty()) text += fmt::format("\n  other values:{}", others);
  if (!expanded) text += "\n  (one vertex per tensor: their elements are in the expanded view)";
  return text;
}

}  // namespace tapegrad
