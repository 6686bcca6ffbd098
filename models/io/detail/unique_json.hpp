// JSON text to nlohmann::json with the two rules the model files need and nlohmann's parser lacks:
// a key given twice in one object is an error (nlohmann keeps the last one silently), and so is
// nesting deeper than a limit, refused before deep input costs anything. It is one pass of
// nlohmann's SAX parser into a builder that checks each key with one lookup in its object.
// (nlohmann's parse callback, used before, rescans the parent object or array after each value
// that closes in it: time quadratic in the number of entries.)
#pragma once

#include <cstddef>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tapegrad::detail {

// Thrown by parse_unique_json. `path` holds the steps from the top to the place: object keys,
// and array indices as decimal text; for a duplicate key it ends with that key.
struct JsonShapeError {
  enum class Kind { kDuplicateKey, kTooDeep } kind;
  std::vector<std::string> path;
};

// What a parse did, for tests that show it is linear in its input.
struct JsonParseWork {
  std::size_t events = 0;       // values, keys, starts and ends of objects and arrays
  std::size_t key_lookups = 0;  // one per key
};

// Parses `text`; throws nlohmann::json::parse_error (or another nlohmann::json::exception, such
// as a number too large) for invalid JSON, and JsonShapeError for a duplicate key or, with
// max_depth, an object or array opened inside max_depth others.
nlohmann::json parse_unique_json(std::string_view text,
                                 std::size_t max_depth = std::numeric_limits<std::size_t>::max(),
                                 JsonParseWork* work = nullptr);

}  // namespace tapegrad::detail
