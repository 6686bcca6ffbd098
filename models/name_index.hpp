// Names to positions in a hash table, for the lookups that were linear scans: a Module checking
// that a new parameter's name is not taken, a TensorFile finding a tensor. An implementation
// detail of both, in a public header because their members hold one. It counts its work -
// lookups and the string comparisons they make - so that tests can show that n registrations or
// n lookups cost O(n) in all, without timing them.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tapegrad::detail {

// Process-wide counts of NameIndex's work, for tests.
struct NameIndexWork {
  std::atomic<std::size_t> lookups{0};
  std::atomic<std::size_t> comparisons{0};  // of two names that hash alike
};
NameIndexWork& name_index_work();

class NameIndex {
 public:
  // Adds `name` at `position`; returns false, and keeps the first position, if it is there.
  bool insert(std::string name, std::size_t position) {
    name_index_work().lookups.fetch_add(1, std::memory_order_relaxed);
    return positions_.emplace(std::move(name), position).second;
  }
  std::optional<std::size_t> find(std::string_view name) const {
    name_index_work().lookups.fetch_add(1, std::memory_order_relaxed);
    const auto found = positions_.find(std::string(name));
    if (found == positions_.end()) return std::nullopt;
    return found->second;
  }
  std::size_t size() const { return positions_.size(); }

 private:
  struct CountingEqual {
    bool operator()(const std::string& a, const std::string& b) const {
      name_index_work().comparisons.fetch_add(1, std::memory_order_relaxed);
      return a == b;
    }
  };
  std::unordered_map<std::string, std::size_t, std::hash<std::string>, CountingEqual> positions_;
};

}  // namespace tapegrad::detail
