// The local derivatives shown on graph edges, now made by evaluating each op's rule on symbols
// (ops/rule.hpp), read as they did before the rules existed: tests/ops/golden/
// derivative_labels.txt holds the labels of the ops that existed then, written by that code
// (commit 44ba110) for the calls below and the seed network; every label must be the same. And
// the symbols print with the precedence a reader expects.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <string>

#include "core.hpp"
#include "ops/rule.hpp"

namespace file_ops_labels_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

void collect(const Tape<double>& tape, std::set<std::string>& lines) {
  for (Node<double>* n : tape.nodes())
    for (std::size_t k = 0; k < n->num_inputs(); ++k)
      lines.insert(std::string(n->name()) + " " + std::to_string(k) + " " + n->derivative(k));
}

}  // namespace

TEST_CASE("the edge labels of the ops that existed before the rules are unchanged",
          "[ops][labels]") {
  using V = std::vector<Var<double>>;
  const auto leaf = [](Tape<double>& tape, const Shape& s) {
    return tape.variable(Tensor<double>::full(s, 0.5), true);
  };
  std::set<std::string> lines;
  {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    const Var<double> a = leaf(tape, Shape{2, 3}), b = leaf(tape, Shape{2, 3});
    const Var<double> m = leaf(tape, Shape{3, 3}), v = leaf(tape, Shape{3});
    const V made = {add(a, b),
                    sub(a, b),
                    mul(a, b),
                    scale(a, 2.5),
                    sigmoid(a),
                    tanh(a),
                    relu(a),
                    exp(a),
                    log(a),
                    transpose(a),
                    sum(a),
                    mean(a),
                    sum_to(a, Shape{3}),
                    broadcast_to(v, Shape{2, 3}),
                    reshape(a, Shape{3, 2}),
                    log_softmax(a),
                    matmul(m, m),
                    linear(a, m, v),
                    sse_loss(a, b),
                    mse_loss(a, b),
                    softmax_cross_entropy(a, b)};
    CHECK(made.size() == 21);
    collect(tape, lines);
  }
  {
    SeedNetwork<double> net(3, 4);
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    net.loss(Tensor<double>({3}, {0.1, 0.2, 0.3}), Tensor<double>({1}, {0.5}));
    collect(tape, lines);
  }
  std::ifstream in(std::string(TAPEGRAD_SOURCE_DIR) + "/tests/ops/golden/derivative_labels.txt");
  REQUIRE(in);
  std::set<std::string> golden;
  for (std::string line; std::getline(in, line);) golden.insert(line);
  REQUIRE(golden.size() == 30);
  CHECK(lines == golden);
}

TEST_CASE("derivative rules print as formulas, with precedence and simplification",
          "[ops][labels]") {
  using rule::Sym;
  const Sym a = Sym::symbol("a"), b = Sym::symbol("b"), y = Sym::symbol("y");
  CHECK((y * (1 - y)).text() == "y(1−y)");  // juxtaposition before a parenthesis
  CHECK((1 - y * y).text() == "1−y²");      // y·y as a power
  CHECK((2 * a).text() == "2a");            // a number before a name
  CHECK((a * b).text() == "a·b");
  CHECK((a - (b - y)).text() == "a−(b−y)");  // a difference on the right needs parentheses
  CHECK(((a - b) - y).text() == "a−b−y");    // on the left it does not
  CHECK((-a / (b * b)).text() == "−a/b²");
  CHECK((1 / (1 + a)).text() == "1/(1+a)");
  CHECK((a * 1 + 0).text() == "a");  // identities drop out
  CHECK((a * 0).text() == "0");
  CHECK((a + (-1)).text() == "a−1");
  CHECK((-0.5 * pow(y, 3)).text() == "−0.5·y³");
  CHECK(rule::step(a).text() == "[a>0]");
  CHECK(rule::iverson(rule::between(a, -1, 1)).text() == "[−1≤a≤1]");
  CHECK(rule::select(a > 0, 1, 0.1).text() == "a>0 ? 1 : 0.1");
  CHECK(Sym(2.5).text() == "2.5");
  CHECK(Sym(-1).text() == "−1");
}

}  // namespace file_ops_labels_test
