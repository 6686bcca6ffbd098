// `tapegrad train --data-parallel` under mpirun (tools/collective.hpp): two ranks train to the
// same parameters as one process on the same global batches, and a rank that fails stops the
// job with its error while the last checkpoint stays intact. Built where CMake found MPI.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>

#include "cli_support.hpp"
#include "graph/errors.hpp"
#include "models/io/optimizer_state.hpp"
#include "models/io/safetensors.hpp"
#include "tools/collective.hpp"
#include "tools/gradient_exchange.hpp"

namespace file_tools_data_parallel_test {  // the file's own scope: the test programs are unity
                                           // builds

using namespace tapegrad;
using tapegrad::testing::read_file;
using tapegrad::testing::Run;
using tapegrad::testing::run_shell;
using tapegrad::testing::run_tapegrad;
using tapegrad::testing::TempFolder;
using tapegrad::testing::write_file;

#ifdef TAPEGRAD_MPIEXEC

namespace {

// `mpirun -np <ranks> tapegrad <arguments>` in `folder`, with `environment` ("NAME=value ...",
// which mpirun passes on to the ranks it starts here). Under the sanitizer build the ranks run
// without LeakSanitizer: Open MPI unloads its plugins before exit with allocations still held,
// which LeakSanitizer reports from "<unknown module>" where no suppression can name them.
// AddressSanitizer's other checks stay on.
Run run_mpi(int ranks, const std::string& arguments, const std::filesystem::path& folder,
            const std::string& environment = "") {
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_options =
      fmt::format("ASAN_OPTIONS={}detect_leaks=0", asan ? std::string(asan) + ":" : "");
  return run_shell(fmt::format(
      "cd '{}' && env {} {} timeout 120 '{}' --allow-run-as-root --oversubscribe -np {} '{}' {} "
      "2>&1",
      folder.string(), asan_options, environment, TAPEGRAD_MPIEXEC, ranks, TAPEGRAD_CLI,
      arguments));
}

// The largest relative difference between two F64 weights files, tensor by tensor.
double max_relative_difference(const std::filesystem::path& a, const std::filesystem::path& b) {
  const TensorFile fa = read_safetensors(a.string()), fb = read_safetensors(b.string());
  REQUIRE(fa.tensors().size() == fb.tensors().size());
  double worst = 0;
  for (const NamedTensor& t : fa.tensors()) {
    const Tensor<double>& x = fa.get<double>(t.name);
    const Tensor<double>& y = fb.get<double>(t.name);
    REQUIRE(x.shape() == y.shape());
    // Relative to the element, or to the tensor's largest for an element near 0 (where a
    // difference in the last bits is large relative to the element itself).
    double largest = 1e-300;
    for (double v : x.values()) largest = std::max(largest, std::abs(v));
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double scale =
          std::max({std::abs(x.values()[i]), std::abs(y.values()[i]), 1e-3 * largest});
      worst = std::max(worst, std::abs(x.values()[i] - y.values()[i]) / scale);
    }
  }
  return worst;
}

// 45 rows of 3 inputs and 2 targets, written with 17 digits.
void write_data(const std::filesystem::path& path) {
  std::string csv = "a,b,c,y0,y1\n";
  for (int r = 0; r < 45; ++r) {
    const double a = std::sin(0.7 * r), b = std::cos(1.3 * r), c = std::sin(0.31 * r + 1);
    csv += fmt::format("{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", a, b, c, a * b - c,
                       std::tanh(a + c));
  }
  write_file(path, csv);
}

}  // namespace

TEST_CASE("data-parallel: 2 ranks train to the parameters of one process, to 1e-12",
          "[tools][mpi]") {
  TempFolder folder;
  write_data(folder.path / "d.csv");
  struct Case {
    const char* loss;
    const char* optimizer;
    int batch;
  };
  // Batches of 7 split 3 + 4 (and the last, of 3, 1 + 2); a mean loss weighs each rank's share.
  // Batches of 1 leave rank 0 with no rows at all.
  for (const Case c : {Case{"sse", "sgd", 7}, Case{"mse", "adam", 7}, Case{"mse", "momentum", 0},
                       Case{"softmax_cross_entropy", "sgd", 10}, Case{"mse", "sgd", 1}}) {
    INFO(c.loss << " with " << c.optimizer << ", batch " << c.batch);
    write_file(folder.path / "m.json", fmt::format(R"({{"inputs": 3, "loss": "{}", "layers": [
                   {{"units": 6, "activation": "tanh"}}, {{"units": 2, "activation": "identity"}}]}})",
                                                   c.loss));
    if (std::string(c.loss) == "softmax_cross_entropy") {
      // Targets that are probabilities: a softmax of the two columns above.
      std::string csv = "a,b,c,y0,y1\n";
      for (int r = 0; r < 45; ++r) {
        const double p = 1 / (1 + std::exp(-std::sin(0.9 * r)));
        csv += fmt::format("{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", std::sin(0.7 * r),
                           std::cos(1.3 * r), std::sin(0.31 * r + 1), p, 1 - p);
      }
      write_file(folder.path / "d.csv", csv);
    }
    REQUIRE(
        run_tapegrad("init --model m.json --dtype F64 --seed 2 --out w.safetensors", folder.path)
            .status == 0);
    const std::string common = fmt::format(
        "train --model m.json --weights w.safetensors --data d.csv --epochs 4 --lr 0.05 "
        "--batch {} --optimizer {} --seed 9",
        c.batch, c.optimizer);
    const Run one = run_tapegrad(common + " --out one.safetensors", folder.path);
    INFO(one.output);
    REQUIRE(one.status == 0);
    const Run two = run_mpi(2, common + " --out two.safetensors --data-parallel", folder.path);
    INFO(two.output);
    REQUIRE(two.status == 0);
    CHECK(two.output.find("data-parallel over 2 ranks") != std::string::npos);
    CHECK(two.output.find("allreduce:") != std::string::npos);
    const double difference =
        max_relative_difference(folder.path / "one.safetensors", folder.path / "two.safetensors");
    CHECK(difference <= 1e-12);
    // Not vacuous: training moved the weights.
    CHECK(max_relative_difference(folder.path / "w.safetensors", folder.path / "two.safetensors") >
          1e-3);
  }
}

TEST_CASE("data-parallel: a rank that fails stops the job with its error; the checkpoint stays",
          "[tools][mpi]") {
  TempFolder folder;
  write_data(folder.path / "d.csv");
  write_file(folder.path / "m.json",
             R"({"inputs": 3, "loss": "mse", "layers": [{"units": 4, "activation": "sigmoid"},
                 {"units": 2, "activation": "identity"}]})");
  REQUIRE(run_tapegrad("init --model m.json --dtype F64 --out w.safetensors", folder.path).status ==
          0);
  const std::string common =
      "train --model m.json --weights w.safetensors --data d.csv --lr 0.1 --batch 9 --seed 3";
  // 5 steps per epoch: step 13 is in epoch 3, after the checkpoints of epochs 1 and 2.
  const Run failed = run_mpi(2,
                             common +
                                 " --epochs 4 --out out.safetensors --checkpoint "
                                 "ck.safetensors --data-parallel",
                             folder.path, "TAPEGRAD_TEST_FAIL_AT=1:13");
  INFO(failed.output);
  CHECK(failed.status != 0);
  CHECK(failed.output.find("tapegrad: rank 1: a planted failure at step 13") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(folder.path / "out.safetensors"));
  // The checkpoint is whole, and it is epoch 2's: one process trained for 2 epochs.
  REQUIRE(std::filesystem::exists(folder.path / "ck.safetensors"));
  const Run reference = run_tapegrad(common + " --epochs 2 --out ref.safetensors", folder.path);
  REQUIRE(reference.status == 0);
  CHECK(max_relative_difference(folder.path / "ck.safetensors", folder.path / "ref.safetensors") <=
        1e-12);
}

TEST_CASE(
    "data-parallel: float weights, ranks that read different data, and mpirun without "
    "--data-parallel",
    "[tools][mpi]") {
  TempFolder folder;
  write_data(folder.path / "d.csv");
  write_file(folder.path / "m.json",
             R"({"inputs": 3, "loss": "mse", "layers": [{"units": 4, "activation": "tanh"},
                 {"units": 2, "activation": "identity"}]})");
  REQUIRE(run_tapegrad("init --model m.json --dtype F32 --out w.safetensors", folder.path).status ==
          0);
  const std::string common =
      "train --model m.json --weights w.safetensors --data d.csv --epochs 3 --batch 8 --lr 0.1";
  REQUIRE(run_tapegrad(common + " --out one.safetensors", folder.path).status == 0);
  const Run two = run_mpi(2, common + " --out two.safetensors --data-parallel", folder.path);
  INFO(two.output);
  REQUIRE(two.status == 0);
  const TensorFile a = read_safetensors((folder.path / "one.safetensors").string());
  const TensorFile b = read_safetensors((folder.path / "two.safetensors").string());
  for (const NamedTensor& t : a.tensors())  // float: the same to float's rounding
    for (std::size_t i = 0; i < t.shape().size(); ++i)
      CHECK(a.get<float>(t.name).values()[i] ==
            Approx(b.get<float>(t.name).values()[i]).epsilon(1e-5).margin(1e-6));

  // Rank 1 reads other data: a clear error, not a hang.
  write_file(folder.path / "other.csv", "a,b,c,y0,y1\n1,2,3,4,5\n");
  const std::string command = fmt::format(
      "cd '{0}' && timeout 120 '{1}' --allow-run-as-root --oversubscribe -np 1 '{2}' {3} --out "
      "x.safetensors --data-parallel : -np 1 '{2}' train --model m.json --weights w.safetensors "
      "--data other.csv --epochs 3 --batch 8 --lr 0.1 --out x.safetensors --data-parallel 2>&1",
      folder.path.string(), TAPEGRAD_MPIEXEC, TAPEGRAD_CLI, common);
  const Run mismatched = run_shell(command);
  INFO(mismatched.output);
  CHECK((mismatched.status != -1 && mismatched.status != 0 && mismatched.status != 124));
  CHECK(mismatched.output.find(
            "tapegrad: rank 1: --data-parallel: this rank's rows of data (1) differ from "
            "rank 0's (45)") != std::string::npos);

  // Under mpirun without --data-parallel each rank would train alone: refused.
  const Run alone = run_mpi(2, common + " --out y.safetensors", folder.path);
  INFO(alone.output);
  CHECK(alone.status != 0);
  CHECK(alone.output.find("without --data-parallel") != std::string::npos);
}

#endif  // TAPEGRAD_MPIEXEC

namespace {

// Two ranks holding the same gradients, played in one process: each allreduce doubles its
// values; the sizes of the calls are kept.
class TwinRanks final : public tools::Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 2; }
  void allreduce_sum(std::span<float> v) override { twice(v); }
  void allreduce_sum(std::span<double> v) override { twice(v); }
  void broadcast(std::span<float>) override {}
  void broadcast(std::span<double>) override {}
  [[noreturn]] void abort(const std::string& message, int) override { throw Error(message); }
  std::vector<std::size_t> calls;

 private:
  template <class T>
  void twice(std::span<T> v) {
    calls.push_back(v.size());
    for (T& x : v) x *= 2;
  }
};

}  // namespace

TEST_CASE("gradient exchange: buckets split parameters anywhere and lose no value",
          "[tools][mpi]") {
  std::vector<Parameter<double>> params;
  for (std::size_t n : {7u, 3u, 12u}) {
    Parameter<double> p(Tensor<double>(Shape{n}), "p");
    for (std::size_t i = 0; i < n; ++i) p.grads()[i] = static_cast<double>(100 * params.size() + i);
    params.push_back(p);
  }
  TwinRanks twins;
  tools::GradientExchange<double> exchange(twins, params, 5);
  double loss = 1.5;
  exchange.sum_over_ranks(0.25, std::span<double>(&loss, 1));
  // 22 values in buckets of 5: 5, 5, 5, 5, then the last 2 with the loss.
  CHECK(twins.calls == std::vector<std::size_t>{5, 5, 5, 5, 3});
  for (std::size_t k = 0; k < params.size(); ++k)
    for (std::size_t i = 0; i < params[k].size(); ++i)
      CHECK(params[k].grads()[i] == 2 * 0.25 * static_cast<double>(100 * k + i));
  CHECK(loss == 2 * 0.25 * 1.5);
  CHECK(exchange.buckets_per_step() == 5);
}

TEST_CASE("train --checkpoint writes the weights and optimizer state every N epochs, atomically",
          "[tools][train]") {
  TempFolder folder;
  const std::string examples = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples";
  REQUIRE(run_tapegrad(
              fmt::format("init --model {}/seed.json --dtype F64 --out w.safetensors", examples),
              folder.path)
              .status == 0);
  const std::string common = fmt::format(
      "train --model {0}/seed.json --weights w.safetensors --data {0}/seed-train.csv --batch 8 "
      "--lr 0.05",
      examples);
  const Run run = run_tapegrad(
      common + " --epochs 4 --checkpoint ck.safetensors --checkpoint-every 2 --out out.safetensors",
      folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  CHECK(run.output.find("checkpoint: epoch 2 in ck.safetensors") != std::string::npos);
  CHECK(run.output.find("checkpoint: epoch 4 in ck.safetensors") != std::string::npos);
  // After epoch 4 the checkpoint holds the final weights (and SGD's state, which has no tensors).
  const TensorFile checkpoint = read_safetensors((folder.path / "ck.safetensors").string());
  CHECK(checkpoint.metadata.at("epoch") == "4");
  TensorFile weights = without_optimizer_state(checkpoint);
  weights.metadata.clear();
  CHECK(serialize_safetensors(weights) == read_file(folder.path / "out.safetensors"));
  CHECK(run_tapegrad(common + " --epochs 1 --checkpoint-every 0 --out x.safetensors", folder.path)
            .status == 2);
}

}  // namespace file_tools_data_parallel_test
