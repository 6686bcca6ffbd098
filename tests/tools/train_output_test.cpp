// What `tapegrad train` prints and logs: for sse (a sum over the rows) the loss per row, so that
// training and validation files of different sizes share one scale; --quiet; and off a terminal
// one plain line every N epochs rather than one per epoch.
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"

namespace file_tools_train_output_test {  // the file's own scope: the test programs are unity
                                          // builds

using namespace tapegrad::testing;

namespace {

const std::string kExamples = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples";

// The loss `tapegrad grad` reports for `weights` on `data`: "loss sse over N rows: X".
double loss_over(const TempFolder& folder, const std::string& weights, const std::string& data) {
  const Run run = run_tapegrad(fmt::format("grad --model {0}/seed.json --weights {1} --data "
                                           "{0}/{2} --out g.safetensors",
                                           kExamples, weights, data),
                               folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  std::smatch match;
  REQUIRE(std::regex_search(run.output, match, std::regex(R"(rows: (\S+))")));
  return std::stod(match[1]);
}

Run train(const TempFolder& folder, const std::string& extra) {
  return run_tapegrad(fmt::format("train --model {0}/seed.json --weights w.safetensors --data "
                                  "{0}/seed-train.csv --val {0}/seed-val.csv --batch 8 "
                                  "--out t.safetensors {1}",
                                  kExamples, extra),
                      folder.path);
}

std::size_t epoch_lines(const std::string& output) {
  std::size_t lines = 0;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) lines += line.rfind("epoch ", 0) == 0 ? 1 : 0;
  return lines;
}

}  // namespace

TEST_CASE("train with sse logs and plots the loss per row, for training and validation alike",
          "[tools][train]") {
  TempFolder folder;
  REQUIRE(run_tapegrad(
              fmt::format("init --model {}/seed.json --dtype F64 --out w.safetensors", kExamples),
              folder.path)
              .status == 0);
  const Run run = train(folder, "--epochs 3 --lr 0.02 --log log.csv --plot loss.svg");
  INFO(run.output);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.output, Catch::Contains("epoch 3/3  train loss per row "));
  std::istringstream log(read_file(folder.path / "log.csv"));
  std::string header, line, last;
  std::getline(log, header);
  CHECK(header == "epoch,train_loss_per_row,validation_loss_per_row,seconds,examples_per_second");
  while (std::getline(log, line)) last = line;
  std::istringstream fields(last);
  std::string epoch, train_loss, validation_loss;
  std::getline(fields, epoch, ',');
  std::getline(fields, train_loss, ',');
  std::getline(fields, validation_loss, ',');
  // E over the 64 training rows and over the 16 validation rows, each divided by its rows.
  const double train_sum = loss_over(folder, "t.safetensors", "seed-train.csv");
  const double validation_sum = loss_over(folder, "t.safetensors", "seed-val.csv");
  CHECK(std::stod(train_loss) == Approx(train_sum / 64).epsilon(1e-9));
  CHECK(std::stod(validation_loss) == Approx(validation_sum / 16).epsilon(1e-9));
  CHECK_THAT(read_file(folder.path / "loss.svg"), Catch::Contains("sse loss per row per epoch"));
}

TEST_CASE("train off a terminal prints a line every N epochs and the last; --quiet prints none",
          "[tools][train]") {
  TempFolder folder;
  REQUIRE(run_tapegrad(fmt::format("init --model {}/seed.json --out w.safetensors", kExamples),
                       folder.path)
              .status == 0);
  const Run many = train(folder, "--epochs 200 --lr 0.001");
  INFO(many.output);
  REQUIRE(many.status == 0);
  CHECK(epoch_lines(many.output) == 20);  // 10, 20, ..., 200: about twenty by default
  CHECK_THAT(many.output, Catch::Contains("\nepoch 10/200 ") &&
                              Catch::Contains("\nepoch 200/200 ") &&
                              !Catch::Contains("\nepoch 9/200 "));
  const Run every = train(folder, "--epochs 7 --lr 0.02 --every 3");
  CHECK(epoch_lines(every.output) == 3);  // 3, 6 and the last, 7
  CHECK_THAT(every.output, Catch::Contains("\nepoch 7/7 "));
  const Run quiet = train(folder, "--epochs 5 --lr 0.02 --quiet");
  INFO(quiet.output);
  REQUIRE(quiet.status == 0);
  CHECK(epoch_lines(quiet.output) == 0);
  CHECK(quiet.output == "wrote t.safetensors\n");
  CHECK(train(folder, "--epochs 5 --lr 0.02 --every 0").status == 2);  // N is at least 1
}

}  // namespace file_tools_train_output_test
