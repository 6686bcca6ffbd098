// Tensor printing in torch's style (graph/tensor.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "tensor.hpp"

namespace tapegrad {
namespace {

constexpr std::size_t kSummarizeAbove = 1000;  // torch's threshold
constexpr std::size_t kEdgeItems = 3;          // shown at each end of a summarised axis

// How every element of one tensor is written, chosen from all of them as torch chooses.
template <class T>
struct Style {
  bool integral = true;     // every finite value a whole number: "3." (or "3" for integers)
  bool scientific = false;  // "1.2346e+08"
  std::size_t width = 0;

  explicit Style(std::span<const T> values) {
    double largest = 0, smallest = std::numeric_limits<double>::infinity();
    for (const T v : values) {
      const double x = static_cast<double>(v);
      if (!std::isfinite(x)) continue;
      if (x != std::floor(x)) integral = false;
      if (x != 0) {
        largest = std::max(largest, std::fabs(x));
        smallest = std::min(smallest, std::fabs(x));
      }
    }
    // torch's rule: scientific notation past 1e8, or for fractions below 1e-4 or spanning more
    // than three orders of magnitude.
    if constexpr (std::is_floating_point_v<T>)
      scientific = largest > 1e8 || (!integral && (smallest < 1e-4 || largest / smallest > 1e3));
    for (const T v : values) width = std::max(width, text(v).size());
  }

  std::string text(T v) const {
    if constexpr (!std::is_floating_point_v<T>) {
      return fmt::format("{}", v);
    } else {
      if (std::isnan(v)) return "nan";
      if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
      if (scientific) return fmt::format("{:.4e}", v);
      if (integral) return fmt::format("{:.0f}.", v);
      return fmt::format("{:.4f}", v);
    }
  }
  std::string padded(T v) const {
    const std::string t = text(v);
    return std::string(width - std::min(width, t.size()), ' ') + t;
  }
};

template <class T>
class Printer {
 public:
  Printer(const Tensor<T>& t, const Style<T>& style, bool summarize)
      : t_(t), style_(style), summarize_(summarize) {}

  // The sub-tensor starting at `offset` along axes axis.., indented by `indent`.
  std::string print(std::size_t axis, std::size_t offset, std::size_t indent) const {
    const Shape& s = t_.shape();
    if (s.rank() == 0) return style_.text(t_[0]);
    std::size_t stride = 1;
    for (std::size_t k = axis + 1; k < s.rank(); ++k) stride *= s[k];
    const std::size_t n = s[axis];
    const bool cut = summarize_ && n > 2 * kEdgeItems;
    std::vector<std::string> items;
    for (std::size_t i = 0; i < n; ++i) {
      if (cut && i == kEdgeItems) {
        items.emplace_back(axis + 1 == s.rank() ? " ..." : "...");
        i = n - kEdgeItems;
      }
      items.push_back(axis + 1 == s.rank() ? style_.padded(t_[offset + i * stride])
                                           : print(axis + 1, offset + i * stride, indent + 1));
    }
    const bool last = axis + 1 == s.rank();
    std::string separator = last ? ", " : ",";
    if (!last) separator += std::string(s.rank() - axis - 1, '\n') + std::string(indent + 1, ' ');
    std::string text = "[";
    for (std::size_t i = 0; i < items.size(); ++i) text += (i ? separator : "") + items[i];
    return text + "]";
  }

 private:
  const Tensor<T>& t_;
  const Style<T>& style_;
  bool summarize_;
};

template <class T>
const char* dtype_suffix() {
  if constexpr (std::is_same_v<T, double>) return ", dtype=float64";
  return "";
}

}  // namespace

template <class T>
std::ostream& operator<<(std::ostream& out, const Tensor<T>& tensor) {
  if (tensor.size() == 0) {
    std::string dims;
    for (std::size_t d : tensor.shape().dims())
      dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    return out << "tensor([], size=(" << dims << (tensor.rank() == 1 ? "," : "") << ")"
               << dtype_suffix<T>() << ")";
  }
  const Style<T> style(tensor.values());
  const Printer<T> printer(tensor, style, tensor.size() > kSummarizeAbove);
  return out << "tensor(" << printer.print(0, 0, 7) << dtype_suffix<T>() << ")";
}

template std::ostream& operator<<(std::ostream&, const Tensor<float>&);
template std::ostream& operator<<(std::ostream&, const Tensor<double>&);
template std::ostream& operator<<(std::ostream&, const Tensor<std::int64_t>&);

}  // namespace tapegrad
