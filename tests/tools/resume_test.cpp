// train --checkpoint writes the optimizer's state and the epoch beside the weights, and
// train --resume continues from it: 2 epochs + a resumed 2 end bit for bit where 4 epochs end,
// with momentum and with Adam, on shuffled mini-batches.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "cli_support.hpp"
#include "tapegrad.hpp"

namespace file_tools_resume_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

const std::string kExamples = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples";

std::string train_command(const std::string& optimizer, const std::string& dtype_weights) {
  return fmt::format(
      "train --model {0}/seed.json --weights {1} --data {0}/seed-train.csv --batch 8 --lr 0.02 "
      "--seed 5 --optimizer {2} --quiet",
      kExamples, dtype_weights, optimizer);
}

}  // namespace

TEST_CASE("train --resume from a 2-epoch checkpoint ends where 4 epochs end, bit for bit",
          "[tools][train][resume]") {
  for (const std::string optimizer : {"momentum", "adam"}) {
    for (const std::string dtype : {"F64", "F32"}) {
      INFO(optimizer << ", " << dtype);
      TempFolder folder;
      REQUIRE(run_tapegrad(fmt::format("init --model {}/seed.json --dtype {} --out w.safetensors",
                                       kExamples, dtype),
                           folder.path)
                  .status == 0);
      const std::string from_start = train_command(optimizer, "w.safetensors");
      const Run whole =
          run_tapegrad(from_start + " --epochs 4 --out whole.safetensors", folder.path);
      INFO(whole.output);
      REQUIRE(whole.status == 0);
      const Run first =
          run_tapegrad(from_start + " --epochs 2 --checkpoint ck.safetensors --out two.safetensors",
                       folder.path);
      INFO(first.output);
      REQUIRE(first.status == 0);
      const TensorFile checkpoint = read_safetensors((folder.path / "ck.safetensors").string());
      CHECK(checkpoint.metadata.at("epoch") == "2");
      CHECK(checkpoint.find(optimizer == "adam"
                                ? "optimizer.state.layers.0.weight.exp_avg"
                                : "optimizer.state.layers.0.weight.momentum_buffer") != nullptr);
      const Run resumed = run_tapegrad(train_command(optimizer, "ck.safetensors") +
                                           " --resume --epochs 4 --out resumed.safetensors",
                                       folder.path);
      INFO(resumed.output);
      REQUIRE(resumed.status == 0);
      CHECK(read_file(folder.path / "resumed.safetensors") ==
            read_file(folder.path / "whole.safetensors"));
      // Without --resume the checkpoint is a weights file: the optimizer starts afresh, and the
      // run ends elsewhere (so the comparison above is not vacuous).
      const Run afresh = run_tapegrad(
          train_command(optimizer, "ck.safetensors") + " --epochs 2 --out afresh.safetensors",
          folder.path);
      REQUIRE(afresh.status == 0);
      CHECK(read_file(folder.path / "afresh.safetensors") !=
            read_file(folder.path / "whole.safetensors"));
    }
  }
}

TEST_CASE("train --resume refuses a plain weights file, another optimizer, and no epochs left",
          "[tools][train][resume][errors]") {
  TempFolder folder;
  REQUIRE(run_tapegrad(
              fmt::format("init --model {}/seed.json --dtype F64 --out w.safetensors", kExamples),
              folder.path)
              .status == 0);
  const Run plain = run_tapegrad(
      train_command("adam", "w.safetensors") + " --resume --epochs 2 --out o.safetensors",
      folder.path);
  CHECK(plain.status == 2);
  CHECK(plain.output.find("holds no optimizer state and epoch count") != std::string::npos);
  REQUIRE(run_tapegrad(train_command("adam", "w.safetensors") +
                           " --epochs 2 --checkpoint ck.safetensors --out o.safetensors",
                       folder.path)
              .status == 0);
  const Run other = run_tapegrad(
      train_command("momentum", "ck.safetensors") + " --resume --epochs 4 --out o.safetensors",
      folder.path);
  CHECK(other.status == 2);
  CHECK(other.output.find("the file holds the state of Adam but the optimizer is SGD") !=
        std::string::npos);
  const Run done = run_tapegrad(
      train_command("adam", "ck.safetensors") + " --resume --epochs 2 --out o.safetensors",
      folder.path);
  CHECK(done.status == 2);
  CHECK(done.output.find("was written after epoch 2, so --epochs 2 leaves nothing to train") !=
        std::string::npos);
}

TEST_CASE("train --resume refuses an epoch count that is not a non-negative integer, at once",
          "[tools][train][resume][errors]") {
  TempFolder folder;
  REQUIRE(run_tapegrad(
              fmt::format("init --model {}/seed.json --dtype F64 --out w.safetensors", kExamples),
              folder.path)
              .status == 0);
  REQUIRE(run_tapegrad(train_command("adam", "w.safetensors") +
                           " --epochs 2 --checkpoint ck.safetensors --out o.safetensors",
                       folder.path)
              .status == 0);
  const TensorFile checkpoint = read_safetensors((folder.path / "ck.safetensors").string());
  // std::stoi took "-5" as -5, and the loader then replayed 2^64 - 5 epochs of shuffles (a
  // hang, hence the timeout), and "2abc" and " 2" as 2.
  for (const std::string epoch : {"-5", "-1", "2abc", " 2", "1.9", "", "99999999999"}) {
    INFO("epoch '" << epoch << "'");
    TensorFile file = checkpoint;
    file.metadata["epoch"] = epoch;
    write_safetensors((folder.path / "bad.safetensors").string(), file);
    const Run run = run_shell(fmt::format(
        "cd '{}' && timeout 60 '{}' {} --resume --epochs 4 --out resumed.safetensors 2>&1",
        folder.path.string(), TAPEGRAD_CLI, train_command("adam", "bad.safetensors")));
    INFO(run.output);
    CHECK(run.status == 2);
    CHECK(run.output.find(fmt::format("bad.safetensors: the \"epoch\" metadata '{}' is not a "
                                      "number of epochs (an integer from 0 to 2147483647)",
                                      epoch)) != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(folder.path / "resumed.safetensors"));
}

TEST_CASE("train --resume refuses an --lr or --weight-decay that the checkpoint overrides",
          "[tools][train][resume][errors]") {
  TempFolder folder;
  REQUIRE(run_tapegrad(
              fmt::format("init --model {}/seed.json --dtype F64 --out w.safetensors", kExamples),
              folder.path)
              .status == 0);
  REQUIRE(run_tapegrad(train_command("adam", "w.safetensors") +
                           " --epochs 2 --checkpoint ck.safetensors --out o.safetensors",
                       folder.path)
              .status == 0);
  // The run went on with the checkpoint's lr 0.02 while its first line said "adam with lr 5".
  const std::string resume = fmt::format(
      "train --model {0}/seed.json --weights ck.safetensors --data {0}/seed-train.csv --batch 8 "
      "--seed 5 --optimizer adam --resume --epochs 4 --out resumed.safetensors",
      kExamples);
  const Run lr = run_tapegrad(resume + " --lr 5", folder.path);
  CHECK(lr.status == 2);
  CHECK(lr.output.find("train --resume: --lr 5 is not the checkpoint's lr 0.02; a resumed run "
                       "continues with the checkpoint's settings, so leave out --lr") !=
        std::string::npos);
  const Run decay = run_tapegrad(resume + " --weight-decay 0.5", folder.path);
  CHECK(decay.status == 2);
  CHECK(decay.output.find("--weight-decay 0.5 is not the checkpoint's weight_decay 0") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(folder.path / "resumed.safetensors"));
  // Without them (or with the checkpoint's values) the run continues, and says at which lr.
  for (const std::string flags : {"", " --lr 0.02 --weight-decay 0"}) {
    const Run run = run_tapegrad(resume + flags + " --every 1", folder.path);
    INFO(flags << "\n" << run.output);
    CHECK(run.status == 0);
    CHECK(run.output.find("adam with lr 0.02;") != std::string::npos);
  }
}

}  // namespace file_tools_resume_test
