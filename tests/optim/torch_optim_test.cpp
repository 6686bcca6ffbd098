// AdamW, SGD with Nesterov momentum and weight decay, and Adam with weight decay against
// torch.optim (Debian's python3-torch): 3 steps on a fixed tensor with the gradient θ³ − c,
// run by tests/optim/torch_optim.py. Without python3-torch the test fails and says so.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_optim_torch_optim_test {  // the file's own scope: the test programs are unity
                                         // builds

using namespace tapegrad;
using nlohmann::json;

namespace {

// What torch_optim.py prints.
json torch_answers() {
  if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") != 0)
    FAIL(
        "PyTorch is not available to /usr/bin/python3; install Debian's python3-torch "
        "(scripts/install-deps.sh does) to run the comparison with torch.optim");
  const std::string command =
      fmt::format("/usr/bin/python3 {}/tests/optim/torch_optim.py", TAPEGRAD_SOURCE_DIR);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) out.append(buffer, n);
  return json::parse(out);
}

// tapegrad's trajectory: the values after each of 3 steps with g = θ³ − c.
std::vector<std::vector<double>> trajectory(Optimizer<double>& optimizer, Parameter<double>& p) {
  const double c[] = {0.1, 0.2, -0.3, 0.4};
  std::vector<std::vector<double>> steps;
  for (int step = 0; step < 3; ++step) {
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double theta = p.value()[i];
      p.grads()[i] = theta * theta * theta - c[i];
    }
    optimizer.step();
    steps.emplace_back(p.value().values().begin(), p.value().values().end());
  }
  return steps;
}

void check_against(const json& torch, const std::vector<std::vector<double>>& ours) {
  REQUIRE(torch.size() == ours.size());
  for (std::size_t s = 0; s < ours.size(); ++s)
    for (std::size_t i = 0; i < ours[s].size(); ++i) {
      INFO("step " << s + 1 << ", element " << i);
      CHECK(ours[s][i] == Approx(torch[s][i].get<double>()).epsilon(1e-12).margin(1e-14));
    }
}

}  // namespace

TEST_CASE("AdamW, SGD-Nesterov with decay and Adam with decay follow torch.optim for 3 steps",
          "[optim][torch]") {
  const json torch = torch_answers();
  const Tensor<double> start({4}, {0.5, -1.5, 2.0, 0.25});
  {
    Parameter<double> p(start);
    AdamW<double> adamw({p}, AdamWOptions(0.1).betas(0.9, 0.99).eps(1e-8).weight_decay(0.1));
    check_against(torch.at("adamw"), trajectory(adamw, p));
  }
  {
    Parameter<double> p(start);
    SGD<double> sgd({p}, SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(0.01));
    check_against(torch.at("sgd_nesterov"), trajectory(sgd, p));
  }
  {
    Parameter<double> p(start);
    Adam<double> adam({p}, AdamOptions(0.05).weight_decay(0.1));
    check_against(torch.at("adam"), trajectory(adam, p));
  }
}

}  // namespace file_optim_torch_optim_test
