// What the recurrent modules (models/gru.hpp, models/lstm.hpp) share: their options, their
// weights under torch's names and initialisation, and one time step of each cell written with
// the ops, so that a GRU over a sequence is the GRUCell's step repeated and both have gradients,
// second derivatives and gradcheck from the ops.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../graph/parameter.hpp"
#include "../graph/random.hpp"
#include "../graph/var.hpp"

namespace tapegrad {

// A cell's settings (torch::nn::GRUCellOptions): GRUCellOptions(input_size, hidden_size)
// .bias(false). A generator, if given, is used only while the cell is constructed; otherwise the
// thread's default generator (graph/random.hpp) is.
class RecurrentCellOptions {
 public:
  RecurrentCellOptions(std::size_t input_size, std::size_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}

  RecurrentCellOptions& bias(bool bias) {
    bias_ = bias;
    return *this;
  }
  RecurrentCellOptions& generator(Generator* generator) {
    generator_ = generator;
    return *this;
  }

  std::size_t input_size() const { return input_size_; }
  std::size_t hidden_size() const { return hidden_size_; }
  bool bias() const { return bias_; }
  Generator* generator() const { return generator_; }

 private:
  std::size_t input_size_;
  std::size_t hidden_size_;
  bool bias_ = true;
  Generator* generator_ = nullptr;
};
using GRUCellOptions = RecurrentCellOptions;
using LSTMCellOptions = RecurrentCellOptions;

// A recurrent module's settings over a sequence (torch::nn::GRUOptions): as a cell's,
// batch_first(true) for inputs [N, T, I] instead of [T, N, I], num_layers(L) for L layers
// stacked, each one's output sequence the next one's input, and dropout(p) for torch's dropout
// between them: in training mode, the output sequence of every layer but the last goes through
// dropout(p) (ops/layer_ops.hpp, masks from the thread's default generator, as torch draws from
// its global one) before the layer above reads it; h_n and c_n are never dropped, and with one
// layer p has no effect.
class RecurrentOptions {
 public:
  RecurrentOptions(std::size_t input_size, std::size_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}

  RecurrentOptions& bias(bool bias) {
    bias_ = bias;
    return *this;
  }
  RecurrentOptions& batch_first(bool batch_first) {
    batch_first_ = batch_first;
    return *this;
  }
  RecurrentOptions& num_layers(std::size_t num_layers) {
    num_layers_ = num_layers;
    return *this;
  }
  RecurrentOptions& dropout(double p) {
    dropout_ = p;
    return *this;
  }
  RecurrentOptions& generator(Generator* generator) {
    generator_ = generator;
    return *this;
  }

  std::size_t input_size() const { return input_size_; }
  std::size_t hidden_size() const { return hidden_size_; }
  bool bias() const { return bias_; }
  bool batch_first() const { return batch_first_; }
  std::size_t num_layers() const { return num_layers_; }
  double dropout() const { return dropout_; }
  Generator* generator() const { return generator_; }
  // Layer k's cell: layer 0 reads the input, the others the layer below's hidden state.
  RecurrentCellOptions cell(std::size_t layer = 0) const {
    return RecurrentCellOptions(layer == 0 ? input_size_ : hidden_size_, hidden_size_)
        .bias(bias_)
        .generator(generator_);
  }

 private:
  std::size_t input_size_;
  std::size_t hidden_size_;
  bool bias_ = true;
  bool batch_first_ = false;
  std::size_t num_layers_ = 1;
  double dropout_ = 0.0;
  Generator* generator_ = nullptr;
};
using GRUOptions = RecurrentOptions;
using LSTMOptions = RecurrentOptions;

// A cell's four tensors as torch names them, the gates stacked along the rows: weight_ih
// [gates·H, I], weight_hh [gates·H, H], bias_ih and bias_hh [gates·H] (undefined with
// bias(false)).
template <class T>
struct RecurrentWeights {
  // Weights for `gates` gates (GRU 3: r, z, n; LSTM 4: i, f, g, o), named "weight_ih" + suffix
  // and so on, drawn as reset() does. Throws Error naming `module` if a size is 0.
  RecurrentWeights(std::string_view module, std::size_t gates, const RecurrentCellOptions& options,
                   std::string_view suffix);

  // torch's reset_parameters: every tensor from U(−1/√H, 1/√H), in the order weight_ih,
  // weight_hh, bias_ih, bias_hh, each row-major.
  void reset(Generator& generator);
  // The defined tensors in that order, with their names.
  std::vector<std::pair<std::string, Parameter<T>>> named() const;

  std::size_t input_size, hidden_size;
  Parameter<T> weight_ih, weight_hh, bias_ih, bias_hh;
};

// The state of an LSTM: hidden h and cell c, each [N, H] (or [H] for one example).
template <class T>
struct LSTMState {
  Var<T> h;
  Var<T> c;
};

namespace detail {

// Checks a cell's input x ([N, I] or [I]) and state h (the same rank, [N, H] or [H]); the error
// names `module` and both shapes. Returns the state's shape.
Shape check_cell_shapes(std::string_view module, const Shape& x, const Shape& h,
                        std::size_t input_size, std::size_t hidden_size);
// The zero state for input x: [N, H] or [H].
Shape zero_state_shape(std::string_view module, const Shape& x, std::size_t input_size,
                       std::size_t hidden_size);

// One GRU step: r, z, n = the gate rows in that order;
// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
template <class T>
Var<T> gru_step(const RecurrentWeights<T>& w, const Var<T>& x, const Var<T>& h);
// One LSTM step: i, f, g, o = σ, σ, tanh, σ of the gate rows (W_i x + b_i + W_h h + b_h) in that
// order; c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
template <class T>
LSTMState<T> lstm_step(const RecurrentWeights<T>& w, const Var<T>& x, const LSTMState<T>& state);

// A sequence's layout: [T, N, I], [N, T, I] with batch_first, or [T, I] (one example, as torch
// takes it). Throws ShapeError naming `module` and the shape.
struct SequenceLayout {
  SequenceLayout(std::string_view module, const Shape& x, std::size_t input_size, bool batch_first,
                 std::size_t layers = 1);
  std::size_t steps = 0, batch = 0, layers = 1;
  bool batched = true;
  int time_dim = 0;
  // The shape of h_0, c_0, h_n and c_n: [L, N, H] ([L, H] unbatched), as torch's.
  Shape final_state(std::size_t hidden_size) const;
  // The shape of one step's state: [N, H] ([H] unbatched).
  Shape step_state(std::size_t hidden_size) const;
};
// The input at each time step: [N, I] ([I] unbatched).
template <class T>
std::vector<Var<T>> time_steps(const Var<T>& x, const SequenceLayout& layout);
// Throws ShapeError unless `given` is torch's h_0 shape [L, N, H] ([L, H]) for the layout; the
// error names `module`, `what` and both shapes.
void check_initial_state(std::string_view module, std::string_view what, const Shape& given,
                         const SequenceLayout& layout, std::size_t hidden_size);
// An initial state given as torch's h_0 [L, N, H] ([L, H]) as each layer's [N, H], or zeros if
// `given` is undefined; the error names `module`, `what` and both shapes.
template <class T>
std::vector<Var<T>> initial_state(std::string_view module, std::string_view what,
                                  const Var<T>& given, const SequenceLayout& layout,
                                  std::size_t hidden_size);

// The weights of layers 1 to L − 1 of a stacked GRU or LSTM (layer 0's are the module's own),
// named with suffixes _l1, _l2, ...; throws Error naming `module` if L is 0 or the dropout
// between layers is not in [0, 1].
template <class T>
std::vector<RecurrentWeights<T>> upper_layers(std::string_view module, std::size_t gates,
                                              const RecurrentOptions& options);
// The dropout between stacked layers: in training mode with p > 0, each step's output of a
// layer below the top one becomes dropout(output, p) from the thread's default generator.
template <class T>
void drop_between_layers(std::vector<Var<T>>& outputs, double p, bool training);

}  // namespace detail

extern template struct RecurrentWeights<float>;
extern template struct RecurrentWeights<double>;

}  // namespace tapegrad
