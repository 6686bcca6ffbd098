// Side by side with libtorch: the training step of bench/step_bench.cpp (forward, E = ½Σ(y − ŷ)²,
// zero_grad, backward, SGD lr 1e-3) in tapegrad and in libtorch's C++ frontend, in one process on
// one thread (or --threads N, both frameworks alike), from the same weights and data; and the
// step's five matrix products alone through the same OpenBLAS, as the floor both frameworks sit on.
// Prints the environment and a Markdown table. Exit status 1 if the two frameworks' losses after 5
// steps disagree, 2 on bad arguments.
//
//   tapegrad_torch_compare [--quick] [--threads N]
#include <cblas.h>
#include <fmt/core.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bench_configs.hpp"
#include "core.hpp"
#include "fma_peak.hpp"
#include "ops/detail/gemm.hpp"
#include "ops/detail/gemm_backend.hpp"
#include "torch_timing.hpp"

namespace {

using namespace tapegrad::bench;

constexpr double kLearningRate = 1e-3;
constexpr int kCheckSteps = 5;

template <class T>
constexpr const char* dtype_name() {
  return std::is_same_v<T, float> ? "float32" : "float64";
}

template <class T>
torch::Dtype torch_dtype() {
  return std::is_same_v<T, float> ? torch::kFloat32 : torch::kFloat64;
}

// A copy of a tapegrad tensor as a torch tensor of the same shape.
template <class T>
torch::Tensor to_torch(const tapegrad::Tensor<T>& t) {
  std::vector<int64_t> sizes;
  for (std::size_t d = 0; d < t.rank(); ++d) sizes.push_back(static_cast<int64_t>(t.shape()[d]));
  return torch::from_blob(const_cast<T*>(t.data()), sizes, torch_dtype<T>()).clone();
}

// Exactly bench/step_bench.cpp's step.
template <class T>
struct TapegradStep {
  tapegrad::MLP<T> net;
  tapegrad::SGD<T> sgd;
  tapegrad::Tensor<T> x, y;
  tapegrad::Tape<T> tape;
  std::vector<tapegrad::Tensor<T>> initial;  // to restart from the same weights
  T last_loss = 0;

  explicit TapegradStep(const Config& c)
      : net(tapegrad::bench::make_mlp<T>(c)),
        sgd(net.parameters(), tapegrad::SGDOptions(kLearningRate)),
        x(tapegrad::bench::make_inputs<T>(c)),
        y(tapegrad::bench::make_targets<T>(c)) {
    for (const auto& p : net.parameters()) initial.push_back(p.value());
  }

  // The caller holds a TapeGuard for `tape`.
  void run(long steps) {
    for (long i = 0; i < steps; ++i) {
      tape.clear();
      const tapegrad::Var<T> loss = tapegrad::sse_loss(net.forward(x), y);
      sgd.zero_grad();
      loss.backward();
      sgd.step();
      if (i == steps - 1) last_loss = loss.item();
    }
  }
  T loss_now() {
    tape.clear();
    return tapegrad::sse_loss(net.forward(x), y).item();
  }
  void restore() {
    auto params = net.parameters();
    for (std::size_t i = 0; i < params.size(); ++i) params[i].assign(initial[i]);
  }
};

// The same network in libtorch's C++ frontend, initialised with a copy of tapegrad's weights.
template <class T>
struct TorchStep {
  torch::nn::Linear hidden{nullptr}, output{nullptr};
  std::unique_ptr<torch::optim::SGD> sgd;
  torch::Tensor x, y, loss;
  std::vector<torch::Tensor> initial;

  TorchStep(const Config& c, const TapegradStep<T>& tg) : x(to_torch(tg.x)), y(to_torch(tg.y)) {
    const auto in = static_cast<int64_t>(c.inputs), mid = static_cast<int64_t>(c.hidden),
               out = static_cast<int64_t>(c.outputs);
    hidden = torch::nn::Linear(torch::nn::LinearOptions(in, mid));
    output = torch::nn::Linear(torch::nn::LinearOptions(mid, out));
    hidden->to(torch_dtype<T>());
    output->to(torch_dtype<T>());
    std::map<std::string, torch::Tensor> from;
    for (const auto& [name, p] : tg.net.named_parameters()) from[name] = to_torch(p.value());
    initial = {from.at("layers.0.weight"), from.at("layers.0.bias"), from.at("layers.1.weight"),
               from.at("layers.1.bias")};
    restore();
    sgd =
        std::make_unique<torch::optim::SGD>(parameters(), torch::optim::SGDOptions(kLearningRate));
  }

  std::vector<torch::Tensor> parameters() {
    return {hidden->weight, hidden->bias, output->weight, output->bias};
  }
  torch::Tensor forward() { return output(torch::sigmoid(hidden(x))); }

  void run(long steps) {
    for (long i = 0; i < steps; ++i) {
      loss = 0.5 * (y - forward()).pow(2).sum();
      sgd->zero_grad();
      loss.backward();
      sgd->step();
    }
  }
  T last_loss() const { return loss.item<T>(); }
  T loss_now() {
    torch::NoGradGuard no_grad;
    const torch::Tensor now = 0.5 * (y - forward()).pow(2).sum();
    return now.item<T>();
  }
  void restore() {
    torch::NoGradGuard no_grad;
    auto params = parameters();
    for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(initial[i]);
  }
};

void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, std::size_t m, std::size_t n, std::size_t k,
          const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c,
          std::size_t ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
              1.0f, a, static_cast<int>(lda), b, static_cast<int>(ldb), 0.0f, c,
              static_cast<int>(ldc));
}
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, std::size_t m, std::size_t n, std::size_t k,
          const double* a, std::size_t lda, const double* b, std::size_t ldb, double* c,
          std::size_t ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
              1.0, a, static_cast<int>(lda), b, static_cast<int>(ldb), 0.0, c,
              static_cast<int>(ldc));
}

// tapegrad's own product (ops/detail/gemm: the direct loop, oneDNN or OpenBLAS as it routes).
template <class T>
void tapegrad_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, std::size_t m, std::size_t n,
                   std::size_t k, const T* a, std::size_t lda, const T* b, std::size_t ldb, T* c,
                   std::size_t ldc) {
  tapegrad::detail::gemm<T>(ta == CblasTrans, tb == CblasTrans, m, n, k, T(1), a, lda, b, ldb, T(0),
                            c, ldc);
}

// The step's five matrix products and nothing else, on preallocated buffers: through OpenBLAS
// (the floor libtorch sits on) or through tapegrad's gemm (tapegrad's own floor). The operands are
// the real weights and data, with the targets standing in for dY, so that none is degenerate.
template <class T, bool kTapegrad = false>
struct GemmStep {
  std::size_t b, in, mid, out;
  std::vector<T> x, w1, w2, dy, z, yhat, dz, dw1, dw2;

  GemmStep(const Config& c, const TapegradStep<T>& tg)
      : b(c.batch),
        in(c.inputs),
        mid(c.hidden),
        out(c.outputs),
        x(tg.x.values().begin(), tg.x.values().end()),
        w1(tg.net.layers()[0]->weight.value().values().begin(),
           tg.net.layers()[0]->weight.value().values().end()),
        w2(tg.net.layers()[1]->weight.value().values().begin(),
           tg.net.layers()[1]->weight.value().values().end()),
        dy(tg.y.values().begin(), tg.y.values().end()),
        z(b * mid),
        yhat(b * out),
        dz(b * mid),
        dw1(mid * in),
        dw2(out * mid) {}

  void run(long steps) {
    for (long i = 0; i < steps; ++i) {
      auto gemm = [](auto... args) {
        if constexpr (kTapegrad)
          tapegrad_gemm<T>(args...);
        else
          ::gemm(args...);
      };
      gemm(CblasNoTrans, CblasTrans, b, mid, in, x.data(), in, w1.data(), in, z.data(), mid);
      gemm(CblasNoTrans, CblasTrans, b, out, mid, z.data(), mid, w2.data(), mid, yhat.data(), out);
      gemm(CblasNoTrans, CblasNoTrans, b, mid, out, dy.data(), out, w2.data(), mid, dz.data(), mid);
      gemm(CblasTrans, CblasNoTrans, out, mid, b, dy.data(), out, z.data(), mid, dw2.data(), mid);
      gemm(CblasTrans, CblasNoTrans, mid, in, b, dz.data(), mid, x.data(), in, dw1.data(), in);
    }
  }
};

struct Row {
  std::string config, dtype;
  double flops = 0;  // per step
  Timing tapegrad, torch, gemm, own_gemm;
  double tapegrad_loss = 0, torch_loss = 0, relative_difference = 0, tolerance = 0;
  bool loss_ok = false;
  bool finite_while_timed = true;
  long peak_rss_kib = 0;
};

template <class T>
Row compare(const Config& c, int rounds) {
  Row row;
  row.config = c.name;
  row.dtype = dtype_name<T>();
  row.flops = tapegrad::bench::step_flops(c.batch, c.inputs, c.hidden, c.outputs);
  TapegradStep<T> tg(c);
  tapegrad::TapeGuard<T> guard(tg.tape);
  TorchStep<T> th(c, tg);
  GemmStep<T> mm(c, tg);
  GemmStep<T, true> own(c, tg);

  // Correctness: the same 5 steps in both, then the loss at the weights they reached. The
  // starting loss shows whether a difference comes from the setup or from the steps.
  const double start_tapegrad = tg.loss_now(), start_torch = th.loss_now();
  tg.run(kCheckSteps);
  th.run(kCheckSteps);
  row.tapegrad_loss = static_cast<double>(tg.loss_now());
  row.torch_loss = static_cast<double>(th.loss_now());
  row.relative_difference =
      row.tapegrad_loss == row.torch_loss
          ? 0.0
          : std::abs(row.tapegrad_loss - row.torch_loss) /
                std::max(std::abs(row.tapegrad_loss), std::abs(row.torch_loss));
  row.tolerance = std::is_same_v<T, float> ? 1e-4 : 1e-10;
  row.loss_ok = row.relative_difference <= row.tolerance;  // false for NaN too
  fmt::print("- {} {}: loss at the start: tapegrad {:.9g}, libtorch {:.9g}\n", row.config,
             row.dtype, start_tapegrad, start_torch);
  fmt::print(
      "- {} {}: loss after {} steps: tapegrad {:.9g}, libtorch {:.9g}, relative "
      "difference {:.2e} (tolerance {:.0e}): {}\n",
      row.config, row.dtype, kCheckSteps, row.tapegrad_loss, row.torch_loss,
      row.relative_difference, row.tolerance, row.loss_ok ? "ok" : "MISMATCH");

  // Every batch starts from the initial weights, restored outside the timed region, so both
  // frameworks time the same steps from the same point (the one the check above verified)
  // rather than wherever their own earlier batches, of different lengths, left them.
  row.tapegrad.steps_per_batch = calibrate([&](long n) {
    tg.restore();
    tg.run(n);
  });
  row.torch.steps_per_batch = calibrate([&](long n) {
    th.restore();
    th.run(n);
  });
  row.gemm.steps_per_batch = calibrate([&](long n) { mm.run(n); });
  row.own_gemm.steps_per_batch = calibrate([&](long n) { own.run(n); });

  // Rounds alternate the three so that drift in the machine's load hits all of them alike.
  for (int r = 0; r < rounds; ++r) {
    tg.restore();
    time_batch(row.tapegrad, [&](long n) { tg.run(n); });
    th.restore();
    time_batch(row.torch, [&](long n) { th.run(n); });
    time_batch(row.gemm, [&](long n) { mm.run(n); });
    time_batch(row.own_gemm, [&](long n) { own.run(n); });
    row.finite_while_timed =
        row.finite_while_timed && std::isfinite(tg.last_loss) && std::isfinite(th.last_loss());
  }
  row.peak_rss_kib = peak_rss_kib();
  fmt::print(
      "- {} {}: steps per batch: tapegrad {}, libtorch {}, GEMM {}; process peak RSS so "
      "far {:.1f} MiB\n",
      row.config, row.dtype, row.tapegrad.steps_per_batch, row.torch.steps_per_batch,
      row.gemm.steps_per_batch, static_cast<double>(row.peak_rss_kib) / 1024);
  std::fflush(stdout);
  return row;
}

void print_table(const std::vector<Row>& rows, double peak_gflops, int threads) {
  fmt::print(
      "\n| config | dtype | tapegrad µs | libtorch µs | libtorch/tapegrad | GEMM µs | "
      "tapegrad/GEMM | tapegrad's products µs | tapegrad/its products | tapegrad % of FMA peak "
      "| loss check |\n");
  fmt::print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const Row& r : rows) {
    const double tg = r.tapegrad.median(), th = r.torch.median(), mm = r.gemm.median(),
                 own = r.own_gemm.median();
    // The float peak of `threads` cores; double rows have half of it and are not compared.
    const double percent = r.flops / (tg * 1e-6) / 1e9 / (peak_gflops * threads) * 100;
    fmt::print(
        "| {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {} | {} "
        "({:.1e}) |\n",
        r.config, r.dtype, tg, th, th / tg, mm, tg / mm, own, tg / own,
        r.dtype == "float32" ? fmt::format("{:.0f} %", percent) : std::string("–"),
        r.loss_ok ? "ok" : "MISMATCH", r.relative_difference);
  }
  // The spread shows how much the shared machine's noise moved each median.
  fmt::print(
      "\n| config | dtype | tapegrad min–max µs | libtorch min–max µs | GEMM min–max µs | "
      "tapegrad's products min–max µs | loss finite while timed |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows)
    fmt::print("| {} | {} | {:.2f}–{:.2f} | {:.2f}–{:.2f} | {:.2f}–{:.2f} | {:.2f}–{:.2f} | {} |\n",
               r.config, r.dtype, r.tapegrad.min(), r.tapegrad.max(), r.torch.min(), r.torch.max(),
               r.gemm.min(), r.gemm.max(), r.own_gemm.min(), r.own_gemm.max(),
               r.finite_while_timed ? "yes" : "no");
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 15;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--quick") {
      rounds = 3;
    } else if (arg == "--threads" && i + 1 < argc && std::atoi(argv[i + 1]) >= 1 &&
               std::atoi(argv[i + 1]) <= 64) {
      threads = std::atoi(argv[++i]);
    } else {
      const bool help = arg == "--help" || arg == "-h";
      std::fprintf(help ? stdout : stderr,
                   "usage: tapegrad_torch_compare [--quick] [--threads N]\n"
                   "Times the MLP training step in tapegrad and libtorch side by side.\n"
                   "  --quick      3 rounds instead of 15, for a smoke test\n"
                   "  --threads N  N threads (1 to 64) in both frameworks; default 1\n");
      return help ? 0 : 2;
    }
  }

  // The same thread count everywhere; the interop pool must be sized before torch first uses it.
  torch::set_num_threads(threads);
  at::set_num_interop_threads(1);
  openblas_set_num_threads(threads);
  tapegrad::set_num_threads(threads);
  print_environment(rounds);
  const tapegrad::bench::FmaPeak peak = tapegrad::bench::fma_peak();
  fmt::print("- Threads: {} (tapegrad, libtorch and the OpenBLAS floor alike)\n", threads);
  fmt::print("- FMA peak, one thread, float32 ({}): {:.1f} GFLOPS (bench/fma_peak.hpp)\n", peak.isa,
             peak.gflops);
  fmt::print("- tapegrad's float products: {}\n\n", tapegrad::detail::float_gemm_backend());

  fmt::print("## Runs\n\n");
  std::vector<Row> rows;
  const auto& configs = tapegrad::bench::kConfigs;
  rows.push_back(compare<float>(configs[0], rounds));
  rows.push_back(compare<double>(configs[0], rounds));
  for (std::size_t i = 1; i < configs.size(); ++i)
    rows.push_back(compare<float>(configs[i], rounds));

  print_table(rows, peak.gflops, threads);
  fmt::print("\nProcess peak RSS (ru_maxrss): {:.1f} MiB\n",
             static_cast<double>(peak_rss_kib()) / 1024);
  const bool ok = std::all_of(rows.begin(), rows.end(), [](const Row& r) { return r.loss_ok; });
  if (!ok) fmt::print("\nLoss check FAILED: tapegrad and libtorch disagree (see above).\n");
  return ok ? 0 : 1;
}
