// The command with its standard streams closed or full, and with hostile flag values: it never
// aborts, says why it stopped, and exits 2 for bad input or 3 when its report cannot be written
// (tools/standard_streams.hpp, tools/flags.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hardening_support.hpp"
#include "tools/flags.hpp"

namespace file_tools_streams_flags_test {  // the file's own scope: the test programs are unity
                                           // builds

using namespace tapegrad;
using namespace tapegrad::testing;
using Catch::Contains;

TEST_CASE("an error while stderr is closed or full exits 2, not with an abort",
          "[tools][streams]") {
  SeedFolder folder;
  for (const char* redirect : {"2>&-", "2>/dev/full"}) {
    INFO(redirect);
    CHECK(folder
              .shell(fmt::format("grad --model /nope.json --weights w.st --data d.csv --out "
                                 "g.st {}",
                                 redirect))
              .status == 2);
    // A training run that fails on its data, with stderr full.
    CHECK(folder
              .shell(fmt::format("train --model m.json --weights w.st --data m.json --out o.st {}",
                                 redirect))
              .status == 2);
  }
  CHECK_FALSE(folder.exists("g.st"));
}

TEST_CASE("a report that cannot be written exits 3, whatever stderr is", "[tools][streams]") {
  SeedFolder folder;
  CHECK(folder.shell("gradcheck >/dev/full 2>/dev/full").status == 3);
  const Run full = folder.shell("gradcheck 2>&1 >/dev/full");
  CHECK(full.status == 3);
  CHECK_THAT(full.output, Contains("cannot write the report to standard output: No space left"));
  // Training: the weights are written, the report is lost - and the status says so.
  CHECK(folder.shell(kTrain + "--epochs 2 --out o.st >/dev/full 2>/dev/null").status == 3);
}

TEST_CASE("with stdout closed nothing is done and the status is 3", "[tools][streams]") {
  SeedFolder folder;
  const Run run = folder.shell(kGrad + "--out g.st 2>&1 >&-");
  CHECK(run.status == 3);
  CHECK_THAT(run.output, Contains("standard output is closed"));
  // Without the check, the gradient file could even have taken stdout's descriptor.
  CHECK_FALSE(folder.exists("g.st"));
}

TEST_CASE("a mistyped command gets the nearest command suggested", "[tools][flags]") {
  SeedFolder folder;
  const Run typo = folder.run("trian");
  CHECK(typo.status == 2);
  CHECK_THAT(typo.output, Contains("unknown command 'trian'. Did you mean 'train'?"));
  const Run far = folder.run("frobnicate");
  CHECK(far.status == 2);
  CHECK_THAT(far.output, Contains("unknown command 'frobnicate'. The commands are demo"));
}

TEST_CASE("flag values out of range are refused with a message naming the flag and the value",
          "[tools][flags]") {
  SeedFolder folder;
  struct Case {
    std::string arguments, message;
  };
  const std::string train = kTrain + "--out o.st ";
  const std::vector<Case> cases{
      {train + "--epochs 0", "--epochs must be a positive integer, got '0'"},
      {train + "--epochs -1", "--epochs must be a positive integer, got '-1' (a negative number)"},
      {train + "--epochs abc", "--epochs must be a positive integer, got 'abc'"},
      {train + "--epochs ''", "--epochs must be a positive integer, got ''"},
      {train + "--lr -1", "--lr must be a positive finite number, got '-1'"},
      {train + "--lr 0", "--lr must be a positive finite number, got '0'"},
      {train + "--lr inf", "--lr must be a positive finite number, got 'inf'"},
      {train + "--lr nan", "--lr must be a positive finite number, got 'nan'"},
      {train + "--lr 1e400", "got '1e400' (beyond the range of a double)"},
      {train + "--batch -1", "--batch must be a non-negative integer, got '-1'"},
      {train + "--batch ' -18446744073709551611'", "got ' -18446744073709551611'"},
      {train + "--batch 18446744073709551616",
       "got '18446744073709551616' (the largest is 18446744073709551615)"},
      {train + "--checkpoint-every 0", "--checkpoint-every must be a positive integer, got '0'"},
      {"gradcheck --rows -1", "--rows must be a non-negative integer, got '-1'"},
      {"gradcheck --worst -1", "--worst must be a non-negative integer, got '-1'"},
      {"gradcheck --max-elements -5", "--max-elements must be a non-negative integer"},
      {"gradcheck --atol nan", "--atol must be a finite number ≥ 0, got 'nan'"},
      {"gradcheck --atol -1", "--atol must be a finite number ≥ 0, got '-1'"},
      {"gradcheck --rtol -1", "--rtol must be a finite number ≥ 0, got '-1'"},
      {"gradcheck --eps 1e300",
       "--eps must be 0 (fitted to double precision) or a relative step "
       "from 1e-12 to 0.1, got '1e300'"},
      {"gradcheck --eps 1e-300", "from 1e-12 to 0.1, got '1e-300'"},
      {"gradcheck --order 3", "--order must be an integer from 1 to 2, got '3'"},
      {"explain --eps 1e-300", "from 1e-12 to 0.1, got '1e-300'"},  // the same cap everywhere
      {"init --model m.json --out x.st --seed -1", "--seed must be a non-negative integer"},
      {"dot --row -1", "--row must be a non-negative integer, got '-1'"},
      {"dot --inputs 17", "--inputs must be an integer from 1 to 16, got '17'"},
  };
  for (const Case& c : cases) {
    const Run run = folder.run(c.arguments);
    INFO(c.arguments << "\n" << run.output);
    CHECK(run.status == 2);
    CHECK_THAT(run.output, Contains(c.message) && !Contains("not in range"));
  }
  CHECK_FALSE(folder.exists("o.st"));
  CHECK_FALSE(folder.exists("x.st"));
}

TEST_CASE("a positive learning rate below double's normal range is accepted", "[tools][flags]") {
  SeedFolder folder;
  const Run run = folder.run(kTrain + "--lr 1e-320 --epochs 1 --out o.st");
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK(folder.exists("o.st"));
}

TEST_CASE("parse_integer_flag takes decimal digits only, within the range", "[tools][flags]") {
  using tools::parse_integer_flag;
  CHECK(parse_integer_flag("--n", "0", 0, 10) == 0);
  CHECK(parse_integer_flag("--n", "18446744073709551615", 0, UINT64_MAX) == UINT64_MAX);
  for (const char* bad : {"-0", "+1", " 1", "1 ", "0x10", "1e3", "", "11"})
    CHECK_THROWS_WITH(parse_integer_flag("--n", bad, 0, 10), Contains("--n must be"));
  CHECK_THROWS_WITH(parse_integer_flag("--n", "18446744073709551616", 0, UINT64_MAX),
                    Contains("(the largest is 18446744073709551615)"));
}

TEST_CASE("parse_real_flag refuses NaN, infinities and values its rule excludes",
          "[tools][flags]") {
  using tools::parse_real_flag;
  using tools::RealRule;
  CHECK(parse_real_flag("--lr", "1e-320", RealRule::kPositive) > 0);
  CHECK(parse_real_flag("--atol", "0", RealRule::kNonNegative) == 0);
  CHECK(parse_real_flag("--eps", "0", RealRule::kRelativeStep) == 0);
  CHECK(parse_real_flag("--eps", "1e-12", RealRule::kRelativeStep) == 1e-12);
  CHECK(parse_real_flag("--eps", "0.1", RealRule::kRelativeStep) == 0.1);
  for (const char* bad :
       {"nan", "-nan", "inf", "-inf", "1e999", "", " 1", "1x", "0x", "0x10", "0x1p-3", "1e+"})
    CHECK_THROWS_WITH(parse_real_flag("--x", bad, RealRule::kNonNegative), Contains("--x must"));
  CHECK_THROWS(parse_real_flag("--lr", "-0", RealRule::kPositive));
  CHECK_THROWS(parse_real_flag("--atol", "-1e-300", RealRule::kNonNegative));
  CHECK_THROWS(parse_real_flag("--eps", "1e-13", RealRule::kRelativeStep));
  CHECK_THROWS(parse_real_flag("--eps", "0.11", RealRule::kRelativeStep));
}

TEST_CASE("nearest_name suggests a name within two edits, or none", "[tools][flags]") {
  using tools::nearest_name;
  const std::vector<std::string_view> names{"demo", "gradcheck", "grad", "train", "init"};
  CHECK(nearest_name("trian", names) == "train");
  CHECK(nearest_name("grda", names) == "grad");
  CHECK(nearest_name("gradchek", names) == "gradcheck");
  CHECK_FALSE(nearest_name("xyzzy", names).has_value());
}

}  // namespace file_tools_streams_flags_test
