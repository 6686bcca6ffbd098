// What the two digits examples share: reading the committed split of the UCI optical digits
// (models/examples/digits/, gzip CSV read with zlib), their command line, one epoch of
// mini-batch training with cross entropy and the test accuracy. Only the library's public API
// (io.hpp) is used, as a program built against an installed tapegrad would.
#pragma once

#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "io.hpp"

namespace digits {

using tapegrad::IndexTensor;
using tapegrad::Shape;
using tapegrad::Tensor;

inline constexpr std::size_t kPixels = 64;   // 8×8, values 0–16
inline constexpr std::size_t kClasses = 10;  // the digits 0–9

// One part of the split: images as [N, 64] in [0, 1] (pixel / 16), labels 0–9 as floats [N]
// (a TensorDataset holds one element type; to_labels() turns a batch's into class indices).
struct Split {
  Tensor<float> images;
  Tensor<float> labels;
};

// The whole text of a gzip file (or of a plain one: zlib reads both). Throws std::runtime_error
// naming the file and zlib's reason.
inline std::string read_gzip_text(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw std::runtime_error("cannot open " + path);
  std::string text;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) text.append(buffer, std::size_t(n));
  int code = Z_OK;
  const std::string reason = n < 0 ? gzerror(file, &code) : "";
  gzclose(file);
  if (n < 0) throw std::runtime_error(path + ": " + reason);
  return text;
}

// digits-<part>.csv.gz of `folder`: the header p0..p63,label, then one row per image.
inline Split read_split(const std::string& folder, std::string_view part) {
  const std::string path = folder + "/digits-" + std::string(part) + ".csv.gz";
  const tapegrad::Dataset data =
      tapegrad::parse_csv_dataset(read_gzip_text(path), path, kPixels, 1);
  Split split{data.x_as<float>(), data.y_as<float>().reshaped(Shape{data.rows})};
  for (std::size_t i = 0; i < split.images.size(); ++i) split.images.data()[i] /= 16.0f;
  return split;
}

// Class indices for cross_entropy from labels held as floats.
inline IndexTensor to_labels(const Tensor<float>& labels) {
  IndexTensor indices(Shape{labels.size()});
  for (std::size_t i = 0; i < labels.size(); ++i)
    indices.data()[i] = static_cast<std::int64_t>(labels.data()[i]);
  return indices;
}

// The command line: --epochs N, --seed N, --batch-size N, --lr X, --data DIR, --quick (the
// shortened run the tests use) and --min-accuracy X (exit status 1 if the test accuracy is lower).
struct Options {
  int epochs = 0;  // 0: the example's full or quick count
  std::uint64_t seed = 1;
  std::size_t batch_size = 32;
  double lr = 0;  // 0: the example's own
  bool quick = false;
  double min_accuracy = 0;
  std::string data = TAPEGRAD_DIGITS_DIR;
};

inline constexpr const char* kUsage =
    "flags: --epochs N, --seed N, --batch-size N, --lr X, --data DIR, --quick, --min-accuracy X";

// `value` of `flag` as a number, or std::invalid_argument naming both.
inline double number(const std::string& flag, const std::string& value) {
  std::size_t used = 0;
  double n = 0;
  try {
    n = std::stod(value, &used);
  } catch (const std::logic_error&) {  // not a number, or out of range
  }
  if (used == 0 || used != value.size())
    throw std::invalid_argument(flag + " " + value + ": not a number");
  return n;
}

inline std::uint64_t whole_number(const std::string& flag, const std::string& value) {
  const double n = number(flag, value);
  if (!(n >= 0 && n <= 1e15 && n == std::floor(n)))
    throw std::invalid_argument(flag + " " + value + ": not a whole number ≥ 0");
  return static_cast<std::uint64_t>(n);
}

// Throws std::invalid_argument naming the flag and listing the flags.
inline Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--quick") {
      options.quick = true;
      continue;
    }
    const bool known = flag == "--epochs" || flag == "--seed" || flag == "--batch-size" ||
                       flag == "--lr" || flag == "--min-accuracy" || flag == "--data";
    if (!known) throw std::invalid_argument("unknown flag " + flag + "; " + kUsage);
    if (i + 1 >= argc) throw std::invalid_argument(flag + " without a value; " + kUsage);
    const std::string value = argv[++i];
    if (flag == "--epochs")
      options.epochs = static_cast<int>(whole_number(flag, value));
    else if (flag == "--seed")
      options.seed = whole_number(flag, value);
    else if (flag == "--batch-size")
      options.batch_size = whole_number(flag, value);
    else if (flag == "--lr")
      options.lr = number(flag, value);
    else if (flag == "--min-accuracy")
      options.min_accuracy = number(flag, value);
    else if (flag == "--data")
      options.data = value;
    else
      throw std::invalid_argument("unknown flag " + flag + "; " + kUsage);
  }
  return options;
}

// One epoch over `loader`: for each batch, cross entropy of the model's logits, backward, an
// optimizer step. Returns the mean loss over the epoch's examples.
template <class Model>
double train_epoch(Model& model, tapegrad::Optimizer<float>& optimizer,
                   tapegrad::DataLoader<float>& loader) {
  tapegrad::Tape<float>& tape = tapegrad::Tape<float>::current();
  double total = 0;
  std::size_t examples = 0;
  for (const tapegrad::Batch<float>& batch : loader) {
    tape.clear();  // reuse the tape's memory for this step
    tapegrad::Var<float> loss =
        tapegrad::cross_entropy(model.forward(batch.inputs), to_labels(batch.targets));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    const std::size_t rows = batch.indices.size();
    total += double(loss.item()) * double(rows);
    examples += rows;
  }
  return total / double(examples);
}

// The share of `split` the model classifies right, in evaluation mode and without recording.
template <class Model>
double accuracy(Model& model, const Tensor<float>& inputs, const Tensor<float>& labels) {
  tapegrad::Tape<float>::current().clear();
  tapegrad::NoGradGuard no_grad;
  model.eval();
  const IndexTensor predicted = tapegrad::argmax(model.forward(inputs), 1);
  model.train();
  std::size_t right = 0;
  for (std::size_t i = 0; i < labels.size(); ++i)
    right += predicted.data()[i] == static_cast<std::int64_t>(labels.data()[i]);
  return double(right) / double(labels.size());
}

// Trains `model` on the train split (shaped as `input_shape` per example) for `epochs`, printing
// each epoch's loss, then prints the test accuracy and returns the exit status.
template <class Model>
int run(Model& model, const Options& options, int epochs, double lr, const Shape& input_shape) {
  const Split train = read_split(options.data, "train");
  const Split test = read_split(options.data, "test");
  auto shaped = [&](const Tensor<float>& images) {
    std::vector<std::size_t> dims{images.shape()[0]};
    for (std::size_t axis = 0; axis < input_shape.rank(); ++axis) dims.push_back(input_shape[axis]);
    return images.reshaped(Shape(std::span<const std::size_t>(dims)));
  };
  tapegrad::DataLoader<float> loader(
      tapegrad::TensorDataset<float>(shaped(train.images), train.labels),
      tapegrad::DataLoaderOptions()
          .batch_size(options.batch_size)
          .shuffle(true)
          .seed(options.seed));
  tapegrad::Adam<float> optimizer(model.parameters(), tapegrad::AdamOptions(lr));
  std::printf("%zu train and %zu test images; %d epochs, batch %zu, Adam lr %g, seed %llu\n",
              train.labels.size(), test.labels.size(), epochs, options.batch_size, lr,
              static_cast<unsigned long long>(options.seed));
  const auto start = std::chrono::steady_clock::now();
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const double loss = train_epoch(model, optimizer, loader);
    std::printf("epoch %3d  loss %.5f\n", epoch, loss);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double test_accuracy = accuracy(model, shaped(test.images), test.labels);
  std::printf("test accuracy %.2f %% (%zu images); training took %.1f s\n", 100 * test_accuracy,
              test.labels.size(), seconds);
  if (test_accuracy < options.min_accuracy) {
    std::printf("below the required %.2f %%\n", 100 * options.min_accuracy);
    return 1;
  }
  return 0;
}

}  // namespace digits
