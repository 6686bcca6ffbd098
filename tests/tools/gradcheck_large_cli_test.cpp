// `tapegrad gradcheck --model` on models too big to check whole: --max-elements checks a seeded
// sample and the report says so; before starting it estimates the time, and on a terminal it
// keeps a progress line.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "hardening_support.hpp"

namespace file_tools_gradcheck_large_cli_test {  // the file's own scope: the test programs are
                                                 // unity builds

using namespace tapegrad;
using namespace tapegrad::testing;
using Catch::Contains;

TEST_CASE("gradcheck --max-elements checks a sample and reports it as sampled",
          "[tools][gradcheck][sample]") {
  SeedFolder folder;
  const std::string check = "gradcheck --model m.json --weights w.st --data d.csv --max-elements 2";
  const Run run = folder.run(check);
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("at most 2 elements per parameter sampled with seed 1"));
  CHECK_THAT(run.output, Contains("ok: 0 of 2 elements out of tolerance (a random sample of the "
                                  "12)"));  // layers.0.weight, [4,3]
  CHECK_THAT(run.output, Contains("ok: 0 of 1 elements out of tolerance\n"));  // layers.1.bias
  const Run json = folder.run(check + " --json");
  INFO(json.output);
  const nlohmann::json report = nlohmann::json::parse(json.output);
  CHECK(report["parameters"][0]["checked"] == 2);
  CHECK(report["parameters"][3]["checked"] == 1);
}

TEST_CASE("gradcheck estimates its time and shows progress on a terminal",
          "[tools][gradcheck][progress]") {
  SeedFolder folder;
  // script(1) runs the command on a pseudo-terminal, as a user at a terminal would.
  const Run run = run_shell(fmt::format(
      "cd '{}' && script -qec \"'{}' gradcheck --model m.json --weights w.st --data d.csv\" "
      "/dev/null",
      folder.path.string(), TAPEGRAD_CLI));
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("gradcheck: 21 of 21 parameter elements to check, 84 "
                                  "evaluations of the loss: about"));
  CHECK_THAT(run.output, Contains("\rgradcheck: 1 of 21 elements (5%)"));
  // Not on a terminal, and quick: the report alone.
  const Run plain = folder.run("gradcheck --model m.json --weights w.st --data d.csv");
  CHECK_THAT(plain.output, !Contains("elements to check") && !Contains("\r"));
}

}  // namespace file_tools_gradcheck_large_cli_test
