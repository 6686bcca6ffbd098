// The readers' limits (models/io/limits.hpp) and streams: /dev/zero and pipes read like files, caps
// that end a runaway input with a message naming the file and the variable that raises them, and
// text that is not UTF-8 CSV (UTF-16, CR-only line ends) named for what it is.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "scoped_environment.hpp"
#include "tapegrad.hpp"

namespace file_files_limits_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;
using tapegrad::testing::ScopedEnvironment;

namespace {

const std::string kConfig =
    R"({"inputs": 2, "layers": [{"units": 1, "activation": "identity"}], "loss": "sse"})";

// A pipe whose write end a thread fills with `bytes` and closes; path() names the read end.
class FilledPipe {
 public:
  explicit FilledPipe(std::string bytes) {
    std::signal(SIGPIPE, SIG_IGN);  // a reader that stops early fails the writer with EPIPE
    REQUIRE(::pipe(fds_) == 0);
    writer_ = std::thread([this, bytes = std::move(bytes)] {
      std::string_view rest = bytes;
      while (!rest.empty()) {
        const ssize_t written =
            ::write(fds_[1], rest.data(), std::min<std::size_t>(rest.size(), 4096));
        if (written <= 0) break;  // the reader stopped early: that is its right
        rest.remove_prefix(static_cast<std::size_t>(written));
        written_ += static_cast<std::size_t>(written);
      }
      ::close(fds_[1]);
    });
  }
  ~FilledPipe() {
    close_reader();
    writer_.join();
  }
  FilledPipe(const FilledPipe&) = delete;
  FilledPipe& operator=(const FilledPipe&) = delete;
  std::string path() const { return "/dev/fd/" + std::to_string(fds_[0]); }
  // After close_reader(): how much the reader let through (what it read, and what the pipe's
  // buffer held).
  std::size_t written() {
    close_reader();
    writer_.join();
    writer_ = std::thread([] {});
    return written_;
  }

 private:
  void close_reader() {
    if (fds_[0] >= 0) ::close(fds_[0]);  // a writer blocked on a full pipe then fails and ends
    fds_[0] = -1;
  }
  int fds_[2];
  std::atomic<std::size_t> written_{0};
  std::thread writer_;
};

struct Folder {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("tapegrad-limits-" + std::to_string(::getpid()));
  Folder() { std::filesystem::create_directories(path); }
  ~Folder() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path / name, std::ios::binary) << bytes;
    return (path / name).string();
  }
};

std::string error_of(auto&& read) {
  try {
    read();
  } catch (const Error& error) {
    return error.what();
  }
  FAIL("no Error");
  return {};
}

}  // namespace

TEST_CASE("a stream of zeros is refused at its first bytes by every reader", "[files][limits]") {
  // 64 MiB of zeros stand for /dev/zero (the command's tests read the device itself): a reader
  // that took them whole would read them all; each reader stops within its first chunks.
  const std::string zeros(std::size_t{64} << 20, '\0');
  constexpr std::size_t kFirstChunks = std::size_t{1} << 20;
  FilledPipe config(zeros), data(zeros), weights(zeros);
  CHECK_THAT(error_of([&] { read_model_config(config.path()); }),
             Contains(":1:1: invalid JSON: a NUL byte"));
  CHECK_THAT(error_of([&] { read_csv_dataset(data.path(), 2, 1); }), Contains(":1: a NUL byte"));
  CHECK_THAT(error_of([&] { read_safetensors(weights.path()); }),
             Contains("the header is not a JSON object: it must begin with '{', but it is empty"));
  CHECK(config.written() < kFirstChunks);
  CHECK(data.written() < kFirstChunks);
  CHECK(weights.written() < kFirstChunks);
}

TEST_CASE("config, data and weights read from pipes equal the same read from files",
          "[files][limits]") {
  Folder folder;
  const std::string csv = "a,b,y\n1,2,3\n4,5,6\n";
  const Dataset from_file = read_csv_dataset(folder.write("d.csv", csv), 2, 1);
  const FilledPipe data(csv);
  const Dataset from_pipe = read_csv_dataset(data.path(), 2, 1);
  CHECK(from_pipe.rows == 2);
  CHECK(std::vector<double>(from_pipe.y.values().begin(), from_pipe.y.values().end()) ==
        std::vector<double>(from_file.y.values().begin(), from_file.y.values().end()));

  const FilledPipe config(kConfig);
  CHECK(read_model_config(config.path()) == parse_model_config(kConfig, "m.json"));

  TensorFile weights;
  weights.add("w", Tensor<double>({2, 2}, {1, 2, 3, 4}));
  weights.add("v", Tensor<float>({3}, {5, 6, 7}));
  const FilledPipe stream(serialize_safetensors(weights));
  const TensorFile read = read_safetensors(stream.path());
  REQUIRE(read.tensors().size() == 2);
  CHECK(read.get<double>("w")[3] == 4);
  CHECK(read.get<float>("v")[2] == 7);
  // Bytes after the last tensor's data are refused on a stream too.
  const FilledPipe longer(serialize_safetensors(weights) + "extra");
  CHECK_THAT(error_of([&] { read_safetensors(longer.path()); }),
             Contains("more bytes follow the 44 bytes of data the header's tensors cover"));
}

TEST_CASE("each limit ends a larger input with a message naming its variable", "[files][limits]") {
  Folder folder;
  {
    const ScopedEnvironment limit("TAPEGRAD_MAX_CONFIG_BYTES", "40");
    CHECK_THAT(error_of([&] { read_model_config(folder.write("m.json", kConfig)); }),
               Contains("m.json: the file is larger than 40 bytes, the limit for a model config; "
                        "set TAPEGRAD_MAX_CONFIG_BYTES to raise it"));
    const FilledPipe config(kConfig);  // the same on a pipe, which has no size to check first
    CHECK_THAT(error_of([&] { read_model_config(config.path()); }),
               Contains("the file is larger than 40 bytes"));
  }
  {
    const ScopedEnvironment limit("TAPEGRAD_MAX_CSV_LINE_BYTES", "8");
    CHECK_THAT(
        error_of([&] { read_csv_dataset(folder.write("d.csv", "a,b,y\n1,2,3456789\n"), 2, 1); }),
        Contains("d.csv:2: the line is longer than 8 bytes, the limit for a line of a data "
                 "file; set TAPEGRAD_MAX_CSV_LINE_BYTES to raise it"));
  }
  {
    const ScopedEnvironment limit("TAPEGRAD_MAX_CSV_BYTES", "30");
    std::string rows = "a,b,y\n";
    for (int r = 0; r < 10; ++r) rows += "1,2,3\n";
    const FilledPipe endless(rows);
    CHECK_THAT(error_of([&] { read_csv_dataset(endless.path(), 2, 1); }),
               Contains("the file is larger than 30 bytes, the limit for a data file"));
  }
  {
    const ScopedEnvironment limit("TAPEGRAD_MAX_PARAMETERS", "2");  // weights: 16 bytes at most
    TensorFile weights;
    weights.add("w", Tensor<double>(Shape{3}));
    const FilledPipe stream(serialize_safetensors(weights));
    CHECK_THAT(error_of([&] { read_safetensors(stream.path()); }),
               Contains("the header gives its tensors 24 bytes, more than the 16 bytes a weights "
                        "file may hold"));
  }
  const ScopedEnvironment bad("TAPEGRAD_MAX_CSV_BYTES", "-1");
  CHECK_THAT(error_of([&] { read_csv_dataset(folder.write("e.csv", "a,b,y\n1,2,3\n"), 2, 1); }),
             Contains("TAPEGRAD_MAX_CSV_BYTES must be a positive integer, got '-1'"));
}

TEST_CASE("a config's parameter count is checked against the limit before allocation",
          "[files][limits][config]") {
  const std::string square =
      R"({"inputs": 65536, "layers": [{"units": 65536, "activation": "relu"},
          {"units": 3, "activation": "identity"}], "loss": "sse"})";
  CHECK_THAT(error_of([&] { parse_model_config(square, "square.json"); }),
             Contains("square.json: /layers/0/units: the model would have 4295229443 "
                      "parameters, more than the limit of 1000000000; their values alone would "
                      "take 16.0 GiB as F32 (32.0 GiB as F64)"));
  const ScopedEnvironment raised("TAPEGRAD_MAX_PARAMETERS", "5000000000");
  CHECK(parse_model_config(square, "square.json").inputs == 65536);  // parsing allocates nothing
}

TEST_CASE("CSV in UTF-16 or with CR-only line ends is named for what it is", "[files][csv]") {
  const auto error = [](const std::string& text) {
    return error_of([&] { parse_csv_dataset(text, "data.csv", 1, 1); });
  };
  CHECK_THAT(error(std::string("\xFF\xFEx\0,\0y\0\n\0", 10)),
             Contains("data.csv: the file is UTF-16 text (it begins with a UTF-16 byte order "
                      "mark); save it as UTF-8"));
  CHECK_THAT(error(std::string("x\0,\0y\0\n\0", 8)),
             Contains("data.csv:1: a NUL byte (at character 2 of the line); a CSV file is UTF-8 "
                      "text (this looks like UTF-16; save the file as UTF-8)"));
  CHECK_THAT(error("x,y\r1,2\r3,4\r"),
             Contains("data.csv:1: a carriage return (CR) inside the line: the file's lines seem "
                      "to end in CR alone (classic Mac OS); save it with LF or CRLF line ends"));
  CHECK(parse_csv_dataset("x,y\r\n1,2\r\n", "data.csv", 1, 1).rows == 1);  // CRLF is fine
  // Read from a file longer than a line may be, the CR-only ends are named in the message.
  Folder folder;
  std::string long_text = "x,y";
  for (int r = 0; r < 100; ++r) long_text += "\r1,2";
  const ScopedEnvironment limit("TAPEGRAD_MAX_CSV_LINE_BYTES", "64");
  CHECK_THAT(error_of([&] { read_csv_dataset(folder.write("mac.csv", long_text), 1, 1); }),
             Contains("mac.csv:1: the line is longer than 64 bytes") &&
                 Contains("the file's lines seem to end in CR alone"));
}

}  // namespace file_files_limits_test
