// Side by side with libtorch on the digits CNN of examples/digits_cnn.cpp
// (bench/digits_cnn_model.hpp): one training step is the forward pass, cross entropy (mean),
// zero_grad, backward and an Adam step (lr 2e-3, betas 0.9/0.999, eps 1e-8), in float32, at batch
// 1, 32 and 256, in tapegrad and in libtorch's C++ frontend, in one process, from the same weights
// and data. The libtorch model holds its weights in torch::nn::Conv2d and torch::nn::Linear and
// applies relu, max_pool2d and flatten as functions (its fastest way: no Sequential dispatch).
// Before timing: the loss and every parameter's gradient at the initial weights, and the loss after
// 5 steps, must agree. Rounds alternate the frameworks; each also times a batch of steps with the
// clock read between the parts (forward + loss; zero_grad + backward; Adam's step), which splits
// the step into them. Prints the environment and Markdown tables. Exit status 1 if a check fails,
// 2 on bad arguments.
//
//   tapegrad_torch_cnn_compare [--quick] [--rounds N] [--threads N] [--batch 1|32|256]
#include <fmt/core.h>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core.hpp"
#include "digits_cnn_model.hpp"
#include "ops/detail/gemm_backend.hpp"
#include "torch_timing.hpp"

namespace {

using namespace tapegrad::bench;

constexpr int kCheckSteps = 5;
// Float sums in another order: the loss and the gradients at the same weights agree closely.
// After Adam steps the difference can grow: Adam's first step moves each weight by ±lr whatever
// the size of its gradient, so a gradient element near zero whose sign rounding flips moves it
// by 2·lr; the loss after 5 steps gets the looser tolerance of bench/torch_compare.cpp.
constexpr double kTolerance = 1e-5, kStepsTolerance = 1e-4;
constexpr std::array<std::size_t, 3> kBatches{1, 32, 256};
constexpr std::array<double, 3> kTargets{3.0, 1.5, 1.1};  // libtorch/tapegrad, issue 23

// How far a step goes: forward + loss; then zero_grad + backward; then Adam's step.
enum Phase { kForward, kBackward, kStep };
using Parts = std::array<double, 3>;  // seconds spent in each phase, summed over steps

torch::Tensor to_torch(const tapegrad::Tensor<float>& t) {
  std::vector<int64_t> sizes;
  for (std::size_t d = 0; d < t.rank(); ++d) sizes.push_back(static_cast<int64_t>(t.shape()[d]));
  return torch::from_blob(const_cast<float*>(t.data()), sizes, torch::kFloat32).clone();
}

torch::Tensor to_torch(const tapegrad::IndexTensor& t) {
  return torch::from_blob(const_cast<std::int64_t*>(t.data()), {static_cast<int64_t>(t.size())},
                          torch::kInt64)
      .clone();
}

void add_parts(Parts& parts, Clock::time_point t0, Clock::time_point t1, Clock::time_point t2,
               Clock::time_point t3) {
  parts[kForward] += std::chrono::duration<double>(t1 - t0).count();
  parts[kBackward] += std::chrono::duration<double>(t2 - t1).count();
  parts[kStep] += std::chrono::duration<double>(t3 - t2).count();
}

struct TapegradCnn {
  tapegrad::Sequential<float> net = make_digits_cnn();
  tapegrad::Adam<float> adam{net.parameters(), tapegrad::AdamOptions(kCnnLearningRate)};
  tapegrad::Tensor<float> x;
  tapegrad::IndexTensor labels;
  tapegrad::Tape<float> tape;
  std::vector<tapegrad::Tensor<float>> initial;  // to restart from the same weights
  float last_loss = 0;

  explicit TapegradCnn(std::size_t batch)
      : x(make_digit_images(batch)), labels(make_digit_labels(batch)) {
    for (const auto& p : net.parameters()) initial.push_back(p.value());
  }

  // The caller holds a TapeGuard for `tape`.
  // With `parts`, reads the clock between the phases and adds their times to it.
  void run(long steps, Phase phase = kStep, Parts* parts = nullptr) {
    for (long i = 0; i < steps; ++i) {
      const auto t0 = parts ? Clock::now() : Clock::time_point{};
      tape.clear();
      const tapegrad::Var<float> loss = tapegrad::cross_entropy(net.forward(x), labels);
      const auto t1 = parts ? Clock::now() : t0;
      if (phase >= kBackward) {
        adam.zero_grad();
        loss.backward();
      }
      const auto t2 = parts ? Clock::now() : t0;
      if (phase >= kStep) adam.step();
      if (parts) add_parts(*parts, t0, t1, t2, Clock::now());
      if (i == steps - 1) last_loss = loss.item();
    }
  }
  float loss_now() {
    tape.clear();
    return tapegrad::cross_entropy(net.forward(x), labels).item();
  }
  void restore() {
    auto params = net.parameters();
    for (std::size_t i = 0; i < params.size(); ++i) params[i].assign(initial[i]);
  }
};

// The same network in libtorch, initialised with a copy of tapegrad's weights.
struct TorchCnn {
  torch::nn::Conv2d conv1{torch::nn::Conv2dOptions(1, 16, 3).padding(1)};
  torch::nn::Conv2d conv2{torch::nn::Conv2dOptions(16, 32, 3).padding(1)};
  torch::nn::Linear fc{torch::nn::LinearOptions(32 * 4 * 4, 10)};
  std::unique_ptr<torch::optim::Adam> adam;
  torch::Tensor x, labels, loss;
  std::vector<torch::Tensor> initial;

  explicit TorchCnn(const TapegradCnn& tg) : x(to_torch(tg.x)), labels(to_torch(tg.labels)) {
    std::map<std::string, torch::Tensor> from;
    for (const auto& [name, p] : tg.net.named_parameters()) from[name] = to_torch(p.value());
    for (const char* name : {"0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias"})
      initial.push_back(from.at(name));
    restore();
    adam = std::make_unique<torch::optim::Adam>(parameters(),
                                                torch::optim::AdamOptions(kCnnLearningRate));
  }

  // In tapegrad's order: its Sequential's 0.*, 3.*, 6.*.
  std::vector<torch::Tensor> parameters() {
    return {conv1->weight, conv1->bias, conv2->weight, conv2->bias, fc->weight, fc->bias};
  }
  torch::Tensor forward() {
    const torch::Tensor h = torch::max_pool2d(torch::relu(conv1(x)), 2);
    return fc(torch::relu(conv2(h)).flatten(1));
  }
  void run(long steps, Phase phase = kStep, Parts* parts = nullptr) {
    for (long i = 0; i < steps; ++i) {
      const auto t0 = parts ? Clock::now() : Clock::time_point{};
      loss = torch::cross_entropy_loss(forward(), labels);
      const auto t1 = parts ? Clock::now() : t0;
      if (phase >= kBackward) {
        adam->zero_grad();
        loss.backward();
      }
      const auto t2 = parts ? Clock::now() : t0;
      if (phase >= kStep) adam->step();
      if (parts) add_parts(*parts, t0, t1, t2, Clock::now());
    }
  }
  float last_loss() const { return loss.item<float>(); }
  float loss_now() {
    torch::NoGradGuard no_grad;
    return torch::cross_entropy_loss(forward(), labels).item<float>();
  }
  void restore() {
    torch::NoGradGuard no_grad;
    auto params = parameters();
    for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(initial[i]);
  }
};

double relative_difference(double a, double b) {
  return a == b ? 0.0 : std::abs(a - b) / std::max(std::abs(a), std::abs(b));
}

struct Row {
  std::size_t batch = 0;
  double target = 0;
  Timing tapegrad, torch;                             // the whole step
  std::array<Timing, 3> tapegrad_parts, torch_parts;  // forward, backward, Adam
  bool ok = false, finite_while_timed = true;
  double loss_difference = 0, gradient_difference = 0, steps_difference = 0;
};

// The checks before timing; prints them and sets row.ok.
void check(Row& row, TapegradCnn& tg, TorchCnn& th) {
  tg.run(1, kBackward);  // loss and gradients at the initial weights, no step
  th.run(1, kBackward);
  row.loss_difference = relative_difference(tg.last_loss, th.last_loss());
  // Each parameter's largest difference, relative to its largest gradient element.
  auto params = tg.net.parameters();
  const auto torch_params = th.parameters();
  std::string worst;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor want = torch_params[i].grad().contiguous();
    const torch::Tensor got = to_torch(params[i].grad()).reshape(want.sizes());
    const double scale = want.abs().max().item<double>();
    const double d = (got - want).abs().max().item<double>() / (scale > 0 ? scale : 1.0);
    if (d >= row.gradient_difference) {
      row.gradient_difference = d;
      worst = tg.net.named_parameters()[i].first;
    }
  }
  fmt::print(
      "- batch {}: at the initial weights: loss tapegrad {:.9g}, libtorch {:.9g}, relative "
      "difference {:.2e}; gradients' largest difference / largest element {:.2e} ({}); "
      "tolerance {:.0e}\n",
      row.batch, tg.last_loss, th.last_loss(), row.loss_difference, row.gradient_difference, worst,
      kTolerance);
  tg.run(kCheckSteps);
  th.run(kCheckSteps);
  const double tg_loss = tg.loss_now(), th_loss = th.loss_now();
  row.steps_difference = relative_difference(tg_loss, th_loss);
  row.ok = row.loss_difference <= kTolerance && row.gradient_difference <= kTolerance &&
           row.steps_difference <= kStepsTolerance;  // false for NaN too
  fmt::print(
      "- batch {}: loss after {} Adam steps: tapegrad {:.9g}, libtorch {:.9g}, relative "
      "difference {:.2e} (tolerance {:.0e}): {}\n",
      row.batch, kCheckSteps, tg_loss, th_loss, row.steps_difference, kStepsTolerance,
      row.ok ? "ok" : "MISMATCH");
}

Row compare(std::size_t batch, double target, int rounds) {
  Row row;
  row.batch = batch;
  row.target = target;
  TapegradCnn tg(batch);
  tapegrad::TapeGuard<float> guard(tg.tape);
  TorchCnn th(tg);
  check(row, tg, th);

  // Every batch starts from the initial weights, restored outside the timed region (the Adam
  // moments carry on; the step's work does not depend on them).
  row.tapegrad.steps_per_batch = calibrate([&](long n) {
    tg.restore();
    tg.run(n);
  });
  row.torch.steps_per_batch = calibrate([&](long n) {
    th.restore();
    th.run(n);
  });
  // A batch of steps split into phases; the clock reads stay out of the whole step's timing.
  auto time_parts = [](std::array<Timing, 3>& timings, long steps, auto&& run) {
    Parts parts{};
    run(steps, parts);
    for (std::size_t k = 0; k < parts.size(); ++k)
      timings[k].per_step_us.push_back(parts[k] * 1e6 / static_cast<double>(steps));
  };
  // Rounds alternate the frameworks so that drift in the machine's load hits both alike.
  for (int r = 0; r < rounds; ++r) {
    tg.restore();
    time_batch(row.tapegrad, [&](long n) { tg.run(n); });
    th.restore();
    time_batch(row.torch, [&](long n) { th.run(n); });
    row.finite_while_timed =
        row.finite_while_timed && std::isfinite(tg.last_loss) && std::isfinite(th.last_loss());
    tg.restore();
    time_parts(row.tapegrad_parts, row.tapegrad.steps_per_batch,
               [&](long n, Parts& parts) { tg.run(n, kStep, &parts); });
    th.restore();
    time_parts(row.torch_parts, row.torch.steps_per_batch,
               [&](long n, Parts& parts) { th.run(n, kStep, &parts); });
  }
  fmt::print("- batch {}: steps per timed batch (full step): tapegrad {}, libtorch {}\n", batch,
             row.tapegrad.steps_per_batch, row.torch.steps_per_batch);
  std::fflush(stdout);
  return row;
}

void print_tables(const std::vector<Row>& rows, int threads) {
  fmt::print(
      "\n| batch | threads | tapegrad µs/step | libtorch µs/step | libtorch/tapegrad | target | "
      "met | tapegrad min–max µs | libtorch min–max µs | checks |\n");
  fmt::print("|---:|---:|---:|---:|---:|---:|---|---|---|---|\n");
  for (const Row& r : rows) {
    const Timing &tg = r.tapegrad, &th = r.torch;
    const double ratio = th.median() / tg.median();
    fmt::print(
        "| {} | {} | {:.2f} | {:.2f} | {:.2f} | ≥ {:.1f} | {} | {:.2f}–{:.2f} | {:.2f}–{:.2f} | "
        "{}{} |\n",
        r.batch, threads, tg.median(), th.median(), ratio, r.target,
        ratio >= r.target ? "yes" : "no", tg.min(), tg.max(), th.min(), th.max(),
        r.ok ? "ok" : "MISMATCH", r.finite_while_timed ? "" : ", loss not finite while timed");
  }
  // Each part's median over rounds of its time per step in the split batches (the three need
  // not add up to the whole step's median, timed apart).
  fmt::print(
      "\n| batch | threads | tapegrad forward µs | backward | Adam | libtorch forward µs | "
      "backward | Adam | forward libtorch/tapegrad | backward | Adam |\n");
  fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& r : rows) {
    Parts tg{}, th{};
    for (std::size_t k = 0; k < tg.size(); ++k) {
      tg[k] = r.tapegrad_parts[k].median();
      th[k] = r.torch_parts[k].median();
    }
    fmt::print(
        "| {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | "
        "{:.2f} |\n",
        r.batch, threads, tg[0], tg[1], tg[2], th[0], th[1], th[2], th[0] / tg[0], th[1] / tg[1],
        th[2] / tg[2]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 15;
  int threads = 1;
  std::size_t only_batch = 0;  // 0: all of kBatches
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const int value = i + 1 < argc ? std::atoi(argv[i + 1]) : 0;
    if (arg == "--quick") {
      rounds = 3;
    } else if (arg == "--threads" && value >= 1 && value <= 64) {
      threads = value;
      ++i;
    } else if (arg == "--batch" && (value == 1 || value == 32 || value == 256)) {
      only_batch = static_cast<std::size_t>(value);
      ++i;
    } else if (arg == "--rounds" && value >= 1 && value <= 1000) {
      rounds = value;
      ++i;
    } else {
      const bool help = arg == "--help" || arg == "-h";
      std::fprintf(
          help ? stdout : stderr,
          "usage: tapegrad_torch_cnn_compare [--quick] [--rounds N] [--threads N] [--batch B]\n"
          "Times the digits CNN's training step in tapegrad and libtorch side by side.\n"
          "  --quick      3 rounds instead of 15, for a smoke test\n"
          "  --rounds N   N rounds (1 to 1000); default 15\n"
          "  --threads N  N threads (1 to 64) in both frameworks; default 1\n"
          "  --batch B    only batch B (1, 32 or 256); default all three\n");
      return help ? 0 : 2;
    }
  }

  // The same thread count everywhere; the interop pool must be sized before torch first uses it.
  torch::set_num_threads(threads);
  at::set_num_interop_threads(1);
  openblas_set_num_threads(threads);
  tapegrad::set_num_threads(threads);
  print_environment(rounds);
  fmt::print("- Threads: {} (tapegrad, libtorch and OpenBLAS alike)\n", threads);
  fmt::print("- tapegrad's float products: {}\n\n", tapegrad::detail::float_gemm_backend());

  fmt::print("## Runs\n\n");
  std::vector<Row> rows;
  for (std::size_t i = 0; i < kBatches.size(); ++i)
    if (only_batch == 0 || only_batch == kBatches[i])
      rows.push_back(compare(kBatches[i], kTargets[i], rounds));

  print_tables(rows, threads);
  fmt::print("\nProcess peak RSS (ru_maxrss): {:.1f} MiB\n",
             static_cast<double>(peak_rss_kib()) / 1024);
  const bool ok = std::all_of(rows.begin(), rows.end(), [](const Row& r) { return r.ok; });
  if (!ok) fmt::print("\nCheck FAILED: tapegrad and libtorch disagree (see above).\n");
  return ok ? 0 : 1;
}
