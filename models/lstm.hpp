// LSTMCell<T> and LSTM<T>: long short-term memory (Hochreiter & Schmidhuber 1997, with the
// forget gate of Gers et al. 2000) as torch::nn::LSTMCell and torch::nn::LSTM (with num_layers
// and dropout between layers; no projection) compute it, with torch's parameter names, shapes,
// gate order (i, f, g, o) and initialisation U(−1/√H, 1/√H). Built from the ops
// (models/recurrent.hpp).
//
//   LSTMCell<double> cell(LSTMCellOptions(3, 5));       // weight_ih [20, 3], weight_hh [20, 5]
//   auto [h1, c1] = cell.forward(x, {h0, c0});          // x [N, 3], h0, c0 [N, 5]
//   LSTM<double> lstm(LSTMOptions(3, 5));
//   auto [output, h_n, c_n] = lstm.forward(x);          // x [T, N, 3] → output [T, N, 5]
#pragma once

#include <cstddef>
#include <vector>

#include "module.hpp"
#include "recurrent.hpp"

namespace tapegrad {

template <class T>
class LSTMCell : public Module<T>, public RecurrentWeights<T> {
 public:
  // Registers "weight_ih" [4H, I], "weight_hh" [4H, H] and, with bias(true), "bias_ih" [4H] and
  // "bias_hh" [4H], the rows of each stacked as the gates i, f, g, o. Throws Error if a size is 0.
  explicit LSTMCell(const LSTMCellOptions& options);
  LSTMCell(std::size_t input_size, std::size_t hidden_size, bool bias = true)
      : LSTMCell(LSTMCellOptions(input_size, hidden_size).bias(bias)) {}

  // {h', c'} for input x [N, I] and state {h, c}, each [N, H] (or x [I], h and c [H]):
  // i, f, g, o = σ, σ, tanh, σ of (W_i x + b_i + W_h h + b_h) split into the four gates;
  // c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'). Throws ShapeError naming the shapes, recording
  // nothing.
  LSTMState<T> forward(const Var<T>& x, const LSTMState<T>& state);
  // h' from the zero state (Module's single-output forward; forward(x, {}) gives c' as well).
  Var<T> forward(const Var<T>& x) override;

  void reset_parameters(Generator& generator) { this->reset(generator); }
};

// What LSTM::forward returns, as torch's (output, (h_n, c_n)).
template <class T>
struct LSTMOutput {
  Var<T> output;  // h_t of every step: [T, N, H] ([N, T, H] with batch_first, [T, H] unbatched)
  Var<T> h_n;     // each layer's last step's h and c: [L, N, H] ([L, H] unbatched)
  Var<T> c_n;
};

template <class T>
class LSTM : public Module<T>, public RecurrentWeights<T> {
 public:
  // Registers, for each layer k < L, "weight_ih_lk" [4H, I] (layer 0; [4H, H] above it),
  // "weight_hh_lk" [4H, H], "bias_ih_lk" [4H] and "bias_hh_lk" [4H] (torch's names, in torch's
  // order); the members weight_ih, ... are layer 0's. Throws Error if a size or L is 0.
  explicit LSTM(const LSTMOptions& options);

  // The LSTMCell's step over each time step of x [T, N, I] ([N, T, I] with batch_first, or
  // [T, I]), layer by layer, from {h_0, c_0}, each [L, N, H] ([L, H]); an undefined one starts
  // at zeros. Throws ShapeError naming the shapes, recording nothing.
  LSTMOutput<T> forward(const Var<T>& x, const LSTMState<T>& state);
  // The output sequence, from the zero state.
  Var<T> forward(const Var<T>& x) override { return forward(x, LSTMState<T>{}).output; }

  bool batch_first() const { return batch_first_; }
  std::size_t num_layers() const { return upper_.size() + 1; }
  // The dropout between layers in training mode (RecurrentOptions::dropout).
  double dropout() const { return dropout_; }
  // Draws every layer's parameters again, in registration order.
  void reset_parameters(Generator& generator);

 private:
  std::vector<RecurrentWeights<T>> upper_;  // layers 1 to L − 1
  bool batch_first_;
  double dropout_;
};

extern template class LSTMCell<float>;
extern template class LSTMCell<double>;
extern template class LSTM<float>;
extern template class LSTM<double>;

}  // namespace tapegrad
