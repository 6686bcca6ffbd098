// For the tests of issue 17's hardening: a folder holding the seed model's config (m.json), its
// training data (d.csv) and initial weights (w.st), and ways to write variants of them.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <string_view>

#include "cli_support.hpp"
#include "tapegrad.hpp"
#include "tools/weights.hpp"

namespace tapegrad::testing {

inline const std::string kExamples = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples";

// The seed network's weights as the library initialises them, after change(name, values) on each
// tensor (layers.0.weight [4,3], layers.0.bias [4], layers.1.weight [1,4], layers.1.bias [1]).
template <class T, class Change>
void write_seed_weights(const std::filesystem::path& path, Change change) {
  const ModelConfig config = read_model_config(kExamples + "/seed.json");
  Generator generator(7);
  MLP<T> net(config.mlp_options().generator(&generator));
  std::vector<std::pair<std::string, Tensor<T>>> tensors;
  for (const auto& [name, parameter] : net.named_parameters())
    tensors.emplace_back(name, parameter.value());
  for (auto& [name, tensor] : tensors) change(std::string_view(name), tensor.values());
  tools::save_weights(path.string(), tensors);
}

struct SeedFolder {
  TempFolder temp;
  const std::filesystem::path& path = temp.path;

  SeedFolder() {
    std::filesystem::copy_file(kExamples + "/seed.json", path / "m.json");
    std::filesystem::copy_file(kExamples + "/seed-train.csv", path / "d.csv");
    write_seed_weights<float>(path / "w.st", [](auto, auto) {});
  }

  // `tapegrad <arguments>` run in the folder, stdout and stderr together.
  Run run(const std::string& arguments) const { return run_tapegrad(arguments, path); }
  // The same, as written for a shell: redirections of its own allowed.
  Run shell(const std::string& arguments) const {
    Run result =
        run_shell(fmt::format("cd '{}' && '{}' {}", path.string(), TAPEGRAD_CLI, arguments));
    return result;
  }
  std::string read(std::string_view name) const { return read_file(path / name); }
  bool exists(std::string_view name) const { return std::filesystem::exists(path / name); }
};

inline const std::string kTrain = "train --model m.json --weights w.st --data d.csv ";
inline const std::string kGrad = "grad --model m.json --weights w.st --data d.csv ";

}  // namespace tapegrad::testing
