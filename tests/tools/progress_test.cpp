// What `tapegrad train` shows and writes: the progress output, the CSV log, the SVG loss plot.
#include <catch2/catch.hpp>

#include <cstdio>
#include <regex>
#include <string>

#include "tools/progress.hpp"

namespace file_tools_progress_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad::tools;

namespace {

std::vector<EpochRecord> falling_losses(int epochs, bool validation) {
  std::vector<EpochRecord> records;
  for (int e = 1; e <= epochs; ++e) {
    EpochRecord r;
    r.epoch = e;
    r.train_loss = 10.0 / (e * e);
    if (validation) r.validation_loss = 12.0 / (e * e);
    r.seconds = 0.5;
    r.examples_per_second = 1000;
    records.push_back(r);
  }
  return records;
}

// The text a Progress wrote, captured through a temporary file.
template <class Write>
std::string captured(Write write) {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  write(file);
  std::rewind(file);
  std::string text;
  for (int c; (c = std::fgetc(file)) != EOF;) text += static_cast<char>(c);
  std::fclose(file);
  return text;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("the loss log is CSV with a header and one row per epoch", "[tools][train]") {
  auto records = falling_losses(3, false);
  records[1].validation_loss = 0.125;
  const std::string csv = loss_log_csv(records);
  CHECK(csv.rfind("epoch,train_loss,validation_loss,seconds,examples_per_second\n", 0) == 0);
  CHECK(count(csv, "\n") == 4);
  CHECK_THAT(csv, Catch::Contains("\n1,10,,0.500000,1000.0\n"));
  CHECK_THAT(csv, Catch::Contains("\n2,2.5,0.125,"));
}

TEST_CASE("the loss plot draws one point per epoch per curve with axes and a legend",
          "[tools][train]") {
  const std::string svg = loss_plot_svg(falling_losses(12, true), "seed <MLP> & co");
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK_THAT(svg, Catch::EndsWith("</svg>\n"));
  CHECK_THAT(svg, Catch::Contains("seed &lt;MLP&gt; &amp; co"));  // the title, escaped
  CHECK_THAT(svg, Catch::Contains(">epoch</text>"));
  CHECK_THAT(svg, Catch::Contains(">training loss</text>"));
  CHECK_THAT(svg, Catch::Contains(">validation loss</text>"));
  // 10/e² falls by a factor of 144 over 12 epochs: a log axis.
  CHECK_THAT(svg, Catch::Contains("loss (log scale)"));
  std::smatch train;
  REQUIRE(std::regex_search(svg, train, std::regex("class=\"train\"[^>]*points=\"([^\"]*)\"")));
  CHECK(count(train[1].str(), ",") == 12);
  CHECK(count(svg, "<polyline") == 2);
}

TEST_CASE("the loss plot uses a linear axis for a narrow range and survives odd input",
          "[tools][train]") {
  auto records = falling_losses(2, false);
  records[0].train_loss = 1.0;
  records[1].train_loss = 0.9;
  CHECK_THAT(loss_plot_svg(records, "t"), !Catch::Contains("log scale"));
  CHECK_THAT(loss_plot_svg({}, "empty"), Catch::Contains("</svg>"));
  records[1].train_loss = std::nan("");
  CHECK_THAT(loss_plot_svg(records, "nan"), Catch::Contains("</svg>"));
}

TEST_CASE("progress off a terminal prints one plain line per epoch and no redraws",
          "[tools][train]") {
  const std::string text = captured([](std::FILE* out) {
    Progress progress(out, false, 2, 10);
    for (int epoch = 1; epoch <= 2; ++epoch) {
      for (std::size_t step = 1; step <= 10; ++step) progress.step(epoch, step, 0.5, step * 4);
      EpochRecord r;
      r.epoch = epoch;
      r.train_loss = 0.25;
      progress.epoch_done(r);
    }
  });
  CHECK(count(text, "\n") == 2);
  CHECK(count(text, "\r") == 0);
  CHECK_THAT(text, Catch::Contains("epoch 2/2  train loss 0.25"));
}

TEST_CASE("progress on a terminal redraws one line with the step and time left", "[tools][train]") {
  const std::string text = captured([](std::FILE* out) {
    Progress progress(out, true, 3, 5);
    progress.step(1, 5, 0.75, 20);  // the last step of an epoch is always drawn
  });
  CHECK(text.rfind("\r", 0) == 0);
  CHECK_THAT(text, Catch::Contains("epoch 1/3"));
  CHECK_THAT(text, Catch::Contains("step 5/5"));
  CHECK_THAT(text, Catch::Contains("loss 0.75"));
  CHECK_THAT(text, Catch::Contains("left"));
}

}  // namespace file_tools_progress_test
