// A fixed number of 4-8-1 training steps (as tapegrad_step_bench's step), for counting
// instructions with callgrind, which gives the same count on every run however busy the machine:
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null tapegrad_step_count N float|double
// for two values of N; the difference of the totals over the difference of N is one step's cost.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "bench_configs.hpp"
#include "core.hpp"

namespace {

template <class T>
void run(long steps) {
  const tapegrad::bench::Config& c = tapegrad::bench::kConfigs[0];
  tapegrad::MLP<T> net = tapegrad::bench::make_mlp<T>(c);
  tapegrad::SGD<T> sgd(net.parameters(), tapegrad::SGDOptions(1e-3));
  const tapegrad::Tensor<T> x = tapegrad::bench::make_inputs<T>(c);
  const tapegrad::Tensor<T> y = tapegrad::bench::make_targets<T>(c);
  tapegrad::Tape<T> tape;
  tapegrad::TapeGuard<T> guard(tape);
  for (long i = 0; i < steps; ++i) {
    tape.clear();
    const tapegrad::Var<T> loss = tapegrad::sse_loss(net.forward(x), y);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long steps = argc == 3 ? std::atol(argv[1]) : 0;
  const std::string_view type = argc == 3 ? argv[2] : "";
  if (steps <= 0 || (type != "float" && type != "double")) {
    std::fprintf(stderr, "usage: tapegrad_step_count STEPS float|double\n");
    return 2;
  }
  if (type == "float")
    run<float>(steps);
  else
    run<double>(steps);
  return 0;
}
