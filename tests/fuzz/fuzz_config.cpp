// libFuzzer target for parse_model_config (models/io/config.hpp): any text must give a ModelConfig
// or a tapegrad::Error that names the file. A config that parses must obey the schema's limits
// (for typed layers: every inferred shape) and come back equal through to_json.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "graph/errors.hpp"
#include "models/io/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tapegrad;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ModelConfig config;
  try {
    config = parse_model_config(text, "fuzz.json");
  } catch (const Error& error) {
    fuzz::check_names_file(error, "fuzz.json:");
    return 0;  // refused with a message, as a bad config should be
  }

  TAPEGRAD_FUZZ_CHECK(config.inputs >= 1 && config.inputs <= kMaxConfigSize);
  TAPEGRAD_FUZZ_CHECK(!config.layers.empty());
  // Dense layers and linear ones have units; every typed layer has an inferred output shape of
  // at most kMaxConfigSize values, and the last one is flat.
  for (const LayerConfig& layer : config.layers) {
    if (layer.type == LayerType::kDense || layer.type == LayerType::kLinear)
      TAPEGRAD_FUZZ_CHECK(layer.units >= 1 && layer.units <= kMaxConfigSize);
    if (layer.type == LayerType::kDense) continue;
    TAPEGRAD_FUZZ_CHECK(!layer.output_shape.empty());
    std::uint64_t size = 1;
    for (std::size_t axis : layer.output_shape) {
      TAPEGRAD_FUZZ_CHECK(axis >= 1);
      size *= axis;
      TAPEGRAD_FUZZ_CHECK(size <= kMaxConfigSize);
    }
  }
  if (config.is_layered()) TAPEGRAD_FUZZ_CHECK(config.layers.back().output_shape.size() == 1);
  TAPEGRAD_FUZZ_CHECK(config.loss != Loss::kSoftmaxCrossEntropy || config.outputs() >= 2);

  // Outside the try: to_json must accept any config the reader gave, and the reader its output.
  const std::string json = to_json(config);
  TAPEGRAD_FUZZ_CHECK(parse_model_config(json, "rewritten.json") == config);
  return 0;
}
