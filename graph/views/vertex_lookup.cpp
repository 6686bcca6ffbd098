// vertex_named (graph/graph_view.hpp): the one grammar of names that `explain --param`,
// `dot --highlight` and the viewer share. A name is tried as typed (a vertex's name or alias, a
// one-element tensor), then as a derivation name in any of its spellings; a name that fits
// nothing gets the list of valid names (graph/names.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "../errors.hpp"
#include "graph_view.hpp"
#include "names.hpp"

namespace tapegrad {

namespace {

std::string_view trimmed(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\n") - first + 1);
}

// A decimal number without sign or leading zeros ("0" itself is one).
std::optional<std::size_t> index_of(std::string_view digits) {
  std::size_t value = 0;
  const char* last = digits.data() + digits.size();
  const auto [end, error] = std::from_chars(digits.data(), last, value);
  if (digits.empty() || error != std::errc() || end != last) return std::nullopt;
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  return value;
}

// The canonical derivation names a typed one may mean: "w_2,3", "w_{2,3}" and "w_23" mean
// "w_23"; "v_{1}" means "v_1". Digits after w_ without a comma can split more than one way
// ("w_123": w_1,23 or w_12,3), so every split is returned.
std::vector<std::string> derivation_spellings(std::string_view name) {
  std::string text;
  for (char c : name)
    if (c != '{' && c != '}') text += c;
  if (text.size() < 3 || text[1] != '_') return {};
  const char letter = text[0];
  const std::string_view rest = std::string_view(text).substr(2);
  if (letter != 'w') {
    const auto k = index_of(rest);
    if (!k || std::string_view("xazv").find(letter) == std::string_view::npos) return {};
    return {fmt::format("{}_{}", letter, *k)};
  }
  if (const std::size_t comma = rest.find(','); comma != std::string_view::npos) {
    const auto h = index_of(rest.substr(0, comma)), j = index_of(rest.substr(comma + 1));
    if (!h || !j) return {};
    return {derivation_weight_name(*h, *j)};
  }
  std::vector<std::string> splits;
  for (std::size_t at = 1; at < rest.size(); ++at) {
    const auto h = index_of(rest.substr(0, at)), j = index_of(rest.substr(at));
    if (h && j) splits.push_back(derivation_weight_name(*h, *j));
  }
  return splits;
}

// The vertex of a derivation name, if the graph is of the derivation's network.
std::optional<GraphVertex> by_derivation_name(const ComputationGraph& graph,
                                              std::string_view name) {
  const auto names = derivation_names(graph);
  if (!names) return std::nullopt;
  std::vector<std::string> spellings = derivation_spellings(name);
  if (spellings.empty()) spellings.emplace_back(name);  // "W", "v_0" in the tensor view
  std::vector<GraphVertex> found;
  for (const std::string& spelling : spellings)
    for (GraphVertex v = 0; v < names->size(); ++v)
      if ((*names)[v] == spelling) found.push_back(v);
  if (found.size() > 1) {
    std::vector<std::string_view> meanings;
    for (GraphVertex v : found) meanings.push_back((*names)[v]);
    throw Error(fmt::format("'{}' can be read as {}: write the indices apart, as in w_h,j", name,
                            fmt::join(meanings, " or ")));
  }
  if (found.size() == 1) return found.front();
  const bool tensor_view = std::find(names->begin(), names->end(), "W") != names->end();
  if (tensor_view && !derivation_spellings(name).empty())
    throw Error(fmt::format(
        "'{}' names one element, and this tensor view has one vertex per tensor: name a tensor "
        "(W, w_0, v, v_0, x, a, z), or draw the expanded view (tapegrad dot --expanded) to "
        "follow one element",
        name));
  return std::nullopt;
}

// Refuses "layers.0.weight[1,2]" on a tensor view, where layers.0.weight is one vertex.
void refuse_element_of_tensor(const ComputationGraph& graph, std::string_view name) {
  const std::size_t bracket = name.find('[');
  if (bracket == std::string_view::npos || name.back() != ']') return;
  const std::string_view tensor = name.substr(0, bracket);
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph))) {
    const VertexInfo& info = graph[v];
    const bool whole = info.name == info.tensor || info.alias == info.tensor;
    if (whole && info.size > 1 && (info.name == tensor || info.alias == tensor))
      throw Error(fmt::format(
          "'{}' is one element of {} {}, and this tensor view has one vertex per tensor: name the "
          "tensor ({}), or draw the expanded view (tapegrad dot --expanded) to follow one element",
          name, tensor, info.shape, tensor));
  }
}

}  // namespace

std::optional<GraphVertex> find_vertex(const ComputationGraph& graph, std::string_view typed) {
  const std::string_view name = trimmed(typed);
  if (name.empty())
    throw Error(fmt::format("an empty name; say which one: {}", valid_names(graph)));
  std::vector<GraphVertex> whole_tensor;  // one-element tensors named without an index
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph))) {
    const VertexInfo& info = graph[v];
    if (info.name == name || (!info.alias.empty() && info.alias == name)) return v;
    if (info.tensor == name && info.size == 1) whole_tensor.push_back(v);
  }
  if (whole_tensor.size() == 1) return whole_tensor.front();
  if (const auto v = by_derivation_name(graph, name)) return *v;
  refuse_element_of_tensor(graph, name);
  return std::nullopt;
}

GraphVertex vertex_named(const ComputationGraph& graph, std::string_view name) {
  if (const auto v = find_vertex(graph, name)) return *v;
  throw Error(
      fmt::format("no vertex named '{}' in this graph; {}", trimmed(name), valid_names(graph)));
}

}  // namespace tapegrad
