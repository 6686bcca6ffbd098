// models/io/detail/unique_json.hpp: a SAX handler that builds the document as nlohmann's own DOM
// parser does, with a stack of the open objects and arrays.
#include "unique_json.hpp"

#include <utility>

namespace tapegrad::detail {
namespace {

using nlohmann::json;

class UniqueJsonBuilder {
 public:
  UniqueJsonBuilder(std::size_t max_depth, JsonParseWork& work)
      : max_depth_(max_depth), work_(work) {}

  bool null() { return value(nullptr); }
  bool boolean(bool b) { return value(b); }
  bool number_integer(json::number_integer_t n) { return value(n); }
  bool number_unsigned(json::number_unsigned_t n) { return value(n); }
  bool number_float(json::number_float_t n, const json::string_t&) { return value(n); }
  bool string(json::string_t& s) { return value(std::move(s)); }
  bool binary(json::binary_t& b) { return value(json::binary(std::move(b))); }

  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& key) {
    ++work_.events;
    ++work_.key_lookups;
    Level& level = open_.back();
    const auto [slot, added] = level.container->get_ref<json::object_t&>().emplace(key, nullptr);
    level.key = std::move(key);
    if (!added) throw JsonShapeError{JsonShapeError::Kind::kDuplicateKey, path(false)};
    level.slot = &slot->second;
    return true;
  }

  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& error) {
    throw error;
  }

  json take() { return std::move(root_); }

 private:
  struct Level {
    json* container;
    std::string key;       // objects: the last key read
    json* slot = nullptr;  // objects: where that key's value goes
  };

  // Puts a value where the parser is: the root, the end of an array, or an object's slot.
  json* place(json&& v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Level& level = open_.back();
    if (level.container->is_array()) {
      level.container->get_ref<json::array_t&>().push_back(std::move(v));
      return &level.container->get_ref<json::array_t&>().back();
    }
    *level.slot = std::move(v);
    return level.slot;
  }

  bool value(json&& v) {
    ++work_.events;
    place(std::move(v));
    return true;
  }

  bool open(json&& container) {
    ++work_.events;
    if (open_.size() == max_depth_)
      throw JsonShapeError{JsonShapeError::Kind::kTooDeep, path(true)};
    open_.push_back({place(std::move(container)), {}, nullptr});
    return true;
  }

  bool close() {
    ++work_.events;
    open_.pop_back();
    return true;
  }

  // The steps to where the parser is: each object's current key, each array's current index -
  // the index of the value about to be placed, for an array that is the innermost and `placing`.
  std::vector<std::string> path(bool placing) const {
    std::vector<std::string> steps;
    for (const Level& level : open_) {
      if (!level.container->is_array())
        steps.push_back(level.key);
      else if (placing && &level == &open_.back())
        steps.push_back(std::to_string(level.container->size()));
      else if (!level.container->empty())
        steps.push_back(std::to_string(level.container->size() - 1));
    }
    return steps;
  }

  std::size_t max_depth_;
  JsonParseWork& work_;
  json root_;
  std::vector<Level> open_;
};

}  // namespace

nlohmann::json parse_unique_json(std::string_view text, std::size_t max_depth,
                                 JsonParseWork* work) {
  JsonParseWork ignored;
  UniqueJsonBuilder builder(max_depth, work ? *work : ignored);
  json::sax_parse(text, &builder);
  return builder.take();
}

}  // namespace tapegrad::detail
