// Inputs a hostile or unlucky user gives the model commands: devices and pipes, files past the
// limits, huge configs, non-finite or overflowing numbers, impossible cross-entropy targets, and
// weights that match the config nowhere. Each ends in exit status 2 and a message naming the file
// and the place, never a hang, a crash or a NaN result with status 0.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "hardening_support.hpp"

namespace file_tools_hostile_inputs_test {  // the file's own scope: the test programs are unity
                                            // builds

using namespace tapegrad;
using namespace tapegrad::testing;
using Catch::Contains;

TEST_CASE("/dev/zero and /dev/urandom as config, weights or data are refused at once",
          "[tools][inputs]") {
  SeedFolder folder;
  struct Case {
    std::string flag, device, message;
  };
  const std::vector<Case> cases{
      {"--model", "/dev/zero", "/dev/zero:1:1: invalid JSON: a NUL byte"},
      {"--model", "/dev/urandom", "/dev/urandom:"},
      {"--weights", "/dev/zero",
       "/dev/zero: the header is not a JSON object: it must begin with '{', but it is empty"},
      {"--weights", "/dev/urandom", "/dev/urandom: the header length is"},
      {"--data", "/dev/zero", "/dev/zero:1: a NUL byte"},
      {"--data", "/dev/urandom", "/dev/urandom:1:"},
  };
  for (const Case& c : cases) {
    std::string arguments = kGrad + "--out g.st";
    arguments.replace(arguments.find(c.flag) + c.flag.size() + 1,
                      c.flag == "--model"     ? 6
                      : c.flag == "--weights" ? 4
                                              : 5,
                      c.device);
    // Bounded in time: a reader that took the device whole would grow without end.
    const Run run = run_shell(fmt::format("cd '{}' && timeout 60 '{}' {} 2>&1",
                                          folder.path.string(), TAPEGRAD_CLI, arguments));
    INFO(arguments << "\n" << run.output);
    CHECK(run.status == 2);
    CHECK_THAT(run.output, Contains(c.message) && !Contains("bad_alloc"));
  }
  CHECK_FALSE(folder.exists("g.st"));
}

TEST_CASE("config, weights and data read from pipes give the files' gradient", "[tools][inputs]") {
  SeedFolder folder;
  REQUIRE(folder.run(kGrad + "--out files.st").status == 0);
  // Process substitution, as in `--data <(zcat d.csv.gz)`: bash, not popen's sh.
  const Run run = run_shell(fmt::format(
      "cd '{}' && cat d.csv | bash -c \"'{}' grad --model <(cat m.json) --weights <(cat w.st) "
      "--data /dev/stdin --out piped.st\" 2>&1",
      folder.path.string(), TAPEGRAD_CLI));
  INFO(run.output);
  REQUIRE(run.status == 0);
  CHECK(folder.read("piped.st") == folder.read("files.st"));
}

TEST_CASE("the readers' limits hold on files and pipes and can be raised", "[tools][inputs]") {
  SeedFolder folder;
  const auto with = [&](const std::string& variable, const std::string& arguments) {
    return run_shell(fmt::format("cd '{}' && {} '{}' {} 2>&1", folder.path.string(), variable,
                                 TAPEGRAD_CLI, arguments));
  };
  const std::string grad = kGrad + "--out g.st";
  CHECK_THAT(with("TAPEGRAD_MAX_CONFIG_BYTES=50", grad).output,
             Contains("m.json: the file is larger than 50 bytes, the limit for a model config; "
                      "set TAPEGRAD_MAX_CONFIG_BYTES to raise it"));
  CHECK_THAT(with("TAPEGRAD_MAX_CSV_LINE_BYTES=20", grad).output,
             Contains("d.csv:2: the line is longer than 20 bytes, the limit for a line of a "
                      "data file"));
  CHECK_THAT(with("TAPEGRAD_MAX_CSV_BYTES=1000",
                  "grad --model m.json --weights w.st --data "
                  "/dev/stdin --out g.st < d.csv")
                 .output,
             Contains("/dev/stdin: the file is larger than 1000 bytes, the limit for a data file"));
  const Run parameters = with("TAPEGRAD_MAX_PARAMETERS=20", grad);
  CHECK(parameters.status == 2);
  CHECK_THAT(parameters.output,
             Contains("m.json: /layers/1/units: the model would have 21 parameters, more than "
                      "the limit of 20; their values alone would take 84 bytes as F32 (168 bytes "
                      "as F64)"));
  CHECK_THAT(with("TAPEGRAD_MAX_PARAMETERS=lots", grad).output,
             Contains("TAPEGRAD_MAX_PARAMETERS must be a positive integer, got 'lots'"));
  CHECK(with("TAPEGRAD_MAX_PARAMETERS=21 TAPEGRAD_MAX_CSV_LINE_BYTES=100", grad).status == 0);
  std::filesystem::remove(folder.path / "g.st");
  // A weights stream whose header claims more data than the limit allows is refused before
  // reading it (21 parameters: at most 168 bytes).
  TensorFile big;
  big.add("layers.0.weight", Tensor<float>(Shape{100}));
  write_safetensors((folder.path / "big.st").string(), big);
  const Run stream = run_shell(
      fmt::format("cd '{}' && cat big.st | TAPEGRAD_MAX_PARAMETERS=21 '{}' grad --model m.json "
                  "--weights /dev/stdin --data d.csv --out g.st 2>&1",
                  folder.path.string(), TAPEGRAD_CLI));
  CHECK(stream.status == 2);
  CHECK_THAT(stream.output, Contains("/dev/stdin: the header gives its tensors 400 bytes, more "
                                     "than the 168 bytes a weights file may hold"));
  CHECK_FALSE(folder.exists("g.st"));
}

TEST_CASE("a config too large to allocate names the file, the layer and the memory",
          "[tools][inputs]") {
  SeedFolder folder;
  write_file(folder.path / "huge.json",
             R"({"inputs": 2, "layers": [{"units": 2147483647, "activation": "relu"},
                 {"units": 1, "activation": "identity"}], "loss": "sse"})");
  write_file(folder.path / "square.json",
             R"({"inputs": 65536, "layers": [{"units": 65536, "activation": "relu"}],
                 "loss": "sse"})");
  const Run huge = folder.run("init --model huge.json --out h.st");
  CHECK(huge.status == 2);
  CHECK_THAT(huge.output, Contains("huge.json: /layers/0/units: the model would have 8589934589 "
                                   "parameters, more than the limit of 1000000000") &&
                              Contains("32.0 GiB as F32") && !Contains("bad_alloc"));
  const Run square = folder.run("init --model square.json --out s.st");
  CHECK(square.status == 2);
  CHECK_THAT(square.output, Contains("square.json: /layers/0/units: the model would have "
                                     "4295032832 parameters") &&
                                Contains("TAPEGRAD_MAX_PARAMETERS"));
}

TEST_CASE("non-finite weights are refused by every command, naming tensor and element",
          "[tools][inputs]") {
  SeedFolder folder;
  write_seed_weights<float>(folder.path / "nan.st", [](std::string_view name, auto values) {
    if (name == "layers.0.weight") values[5] = NAN;
  });
  write_seed_weights<double>(folder.path / "inf.st", [](std::string_view name, auto values) {
    if (name == "layers.0.weight") values[0] = -INFINITY;
  });
  const std::vector<std::string> commands{"grad --out g.st", "train --out o.st", "gradcheck",
                                          "explain", "dot x.svg"};
  for (const std::string& command : commands) {
    for (const auto& [file, message] :
         {std::pair{"nan.st", "nan.st: tensor 'layers.0.weight' element [1,2] is NaN"},
          {"inf.st", "inf.st: tensor 'layers.0.weight' element [0,0] is -infinity"}}) {
      const std::string verb = command.substr(0, command.find(' '));
      const std::string rest = command.size() > verb.size() ? command.substr(verb.size()) : "";
      const Run run = folder.run(
          fmt::format("{} --model m.json --weights {} --data d.csv{}", verb, file, rest));
      INFO(command << " " << file << "\n" << run.output);
      CHECK(run.status == 2);
      CHECK_THAT(run.output, Contains(message) && !Contains("-nan") && !Contains("--lr") &&
                                 !Contains("backward disagrees"));
    }
  }
  for (const char* output : {"g.st", "o.st", "x.svg"}) CHECK_FALSE(folder.exists(output));
}

TEST_CASE("finite inputs whose loss overflows get their own message, not divergence's",
          "[tools][inputs]") {
  SeedFolder folder;
  write_seed_weights<float>(folder.path / "huge.st", [](auto, auto values) {
    for (auto& v : values) v = 3e38f;
  });
  const Run grad = folder.run("grad --model m.json --weights huge.st --data d.csv --out g.st");
  CHECK(grad.status == 2);
  CHECK_THAT(grad.output, Contains("grad: the loss overflowed at these weights: it is inf") &&
                              Contains("use F64 weights"));
  const Run train = folder.run("train --model m.json --weights huge.st --data d.csv --out o.st");
  CHECK(train.status == 2);
  CHECK_THAT(train.output, Contains("train: the loss overflowed at the initial weights") &&
                               !Contains("diverged") && !Contains("--lr"));
  // A target of 1e20 squares to 1e40: past float, within double.
  std::string data = folder.read("d.csv");
  data.replace(data.find("-0.340089"), 9, "1e20");
  write_file(folder.path / "far.csv", data);
  const Run far = folder.run("grad --model m.json --weights w.st --data far.csv --out g.st");
  CHECK(far.status == 2);
  CHECK_THAT(far.output, Contains("the loss overflowed at these weights"));
  CHECK_FALSE(folder.exists("g.st"));
  write_seed_weights<double>(folder.path / "w64.st", [](auto, auto) {});
  CHECK(folder.run("grad --model m.json --weights w64.st --data far.csv --out g.st").status == 0);
}

TEST_CASE("softmax cross-entropy targets must be probabilities summing to 1 per row",
          "[tools][inputs]") {
  SeedFolder folder;
  write_file(folder.path / "ce.json",
             R"({"inputs": 1, "layers": [{"units": 2, "activation": "identity"}],
                 "loss": "softmax_cross_entropy"})");
  REQUIRE(folder.run("init --model ce.json --out ce.st").status == 0);
  struct Case {
    std::string data, message;
  };
  const std::vector<Case> cases{
      {"x,a,b\n0.5,1,0\n0.1,-5,10\n", "bad.csv:3: row 1: column 2 (\"a\") is -5"},
      {"x,a,b\n0.5,2,2\n", "bad.csv:2: row 0: the targets sum to 4,"},
      {"x,a,b\n0.5,0.5,0.4999\n", "the targets sum to 0.99990000000000001"},
  };
  for (const Case& c : cases) {
    write_file(folder.path / "bad.csv", c.data);
    for (const char* command : {"grad --out g.st", "train --out o.st", "gradcheck"}) {
      const std::string verb = std::string(command).substr(0, std::string(command).find(' '));
      const std::string rest = std::string(command).substr(verb.size());
      const Run run = folder.run(verb + " --model ce.json --weights ce.st --data bad.csv" + rest);
      INFO(command << "\n" << c.data << run.output);
      CHECK(run.status == 2);
      CHECK_THAT(run.output, Contains(c.message));
    }
  }
  write_file(folder.path / "good.csv", "x,a,b\n0.5,0.25,0.75\n0.1,1,0\n");
  CHECK(folder.run("train --model ce.json --weights ce.st --data good.csv --out o.st").status == 0);
}

TEST_CASE("a weights file that matches the config nowhere lists 20 problems and a count",
          "[tools][inputs]") {
  SeedFolder folder;
  std::string layers;
  for (int k = 0; k < 30; ++k) layers += R"({"units": 3, "activation": "tanh"},)";
  write_file(folder.path / "deep.json",
             R"({"inputs": 3, "layers": [)" + layers +
                 R"({"units": 1, "activation": "identity"}], "loss": "sse"})");
  const Run run = folder.run("grad --model deep.json --weights w.st --data d.csv --out g.st");
  CHECK(run.status == 2);
  CHECK_THAT(run.output, Contains("w.st: 62 problems loading the model's parameters:\n  ") &&
                             Contains("\n  ... and 42 more"));
  std::size_t lines = 0;
  for (char c : run.output) lines += c == '\n';
  CHECK(lines == 22);  // the heading, 20 problems, the count
}

TEST_CASE("bytes of a file that are not UTF-8 are quoted as \\xNN, so the message is UTF-8 text",
          "[tools][inputs]") {
  SeedFolder folder;
  // The JSON parser's "last read" and a CSV field passed the file's raw bytes on to stderr.
  write_file(folder.path / "bad.json", "{\"name\": \"a\xff\xfe\", \"inputs\": 3}");
  std::string data = folder.read("d.csv");
  data.replace(data.find("-0.340089"), 9, "\xc0\xaf\xed\xa0\x80");  // overlong '/', surrogate
  write_file(folder.path / "bad.csv", data);
  const std::string header = "{\"a\xf5\x80\": 1}";
  std::string length(8, '\0');
  length[0] = static_cast<char>(header.size());  // little-endian
  write_file(folder.path / "bad.st", length + header);
  struct Case {
    std::string arguments, message;
  };
  const std::vector<Case> cases{
      {"grad --model bad.json --weights w.st --data d.csv --out g.st",
       "bad.json:1:12: invalid JSON: syntax error while parsing value - invalid string: "
       "ill-formed UTF-8 byte; last read: '\"a\\xff'"},
      {"grad --model m.json --weights w.st --data bad.csv --out g.st",
       "bad.csv:2: column 4 (\"y\"): \"\\xc0\\xaf\\xed\\xa0\\x80\" is not a number"},
      {"grad --model m.json --weights bad.st --data d.csv --out g.st",
       "bad.st: the header is not valid JSON: at byte 4 of the header: syntax error while parsing "
       "object key - invalid string: ill-formed UTF-8 byte; last read: '\"a\\xf5'"},
  };
  for (const Case& c : cases) {
    const Run run = folder.run(c.arguments);
    INFO(c.arguments << "\n" << run.output);
    CHECK(run.status == 2);
    CHECK_THAT(run.output, Contains(c.message));
    CHECK(std::all_of(run.output.begin(), run.output.end(),  // here all ASCII
                      [](char byte) { return static_cast<unsigned char>(byte) < 0x80; }));
  }
  // UTF-8 itself is passed on as it is.
  write_file(folder.path / "named.json", "{\"ünï €𝄞\": 1, \"inputs\": 3}");
  CHECK_THAT(folder.run("init --model named.json --out i.st").output,
             Contains("named.json: top level: unknown key \"ünï €𝄞\""));
  CHECK_FALSE(folder.exists("g.st"));
}

}  // namespace file_tools_hostile_inputs_test
