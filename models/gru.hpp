// GRUCell<T> and GRU<T>: the gated recurrent unit (Cho et al. 2014) as torch::nn::GRUCell and
// torch::nn::GRU (with num_layers and dropout between layers) compute it, with torch's
// parameter names, shapes, gate order (r, z, n) and initialisation U(−1/√H, 1/√H), so that their
// state dicts load torch's. Built from the ops (models/recurrent.hpp), so gradients of every order
// come from the ops.
//
//   GRUCell<double> cell(GRUCellOptions(3, 5));   // weight_ih [15, 3], weight_hh [15, 5], ...
//   Var<double> h1 = cell.forward(x, h0);         // x [N, 3], h0 [N, 5] → h1 [N, 5]
//   GRU<double> gru(GRUOptions(3, 5).batch_first(true));
//   auto [output, h_n] = gru.forward(x);          // x [N, T, 3] → output [N, T, 5], h_n [1, N, 5]
#pragma once

#include <cstddef>
#include <vector>

#include "module.hpp"
#include "recurrent.hpp"

namespace tapegrad {

template <class T>
class GRUCell : public Module<T>, public RecurrentWeights<T> {
 public:
  // Registers "weight_ih" [3H, I], "weight_hh" [3H, H] and, with bias(true), "bias_ih" [3H] and
  // "bias_hh" [3H], the rows of each stacked as the gates r, z, n. Throws Error if a size is 0.
  explicit GRUCell(const GRUCellOptions& options);
  GRUCell(std::size_t input_size, std::size_t hidden_size, bool bias = true)
      : GRUCell(GRUCellOptions(input_size, hidden_size).bias(bias)) {}

  // h' for input x [N, I] and state h [N, H] (or x [I], h [H]): r = σ(W_ir x + b_ir + W_hr h +
  // b_hr), z likewise, n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
  // Throws ShapeError naming both shapes, recording nothing.
  Var<T> forward(const Var<T>& x, const Var<T>& h);
  // The same from the zero state h = 0, as torch's forward(x) without hx.
  Var<T> forward(const Var<T>& x) override;

  // Draw the parameters again, as at construction (RecurrentWeights::reset).
  void reset_parameters(Generator& generator) { this->reset(generator); }
};

// What GRU::forward returns, as torch's (output, h_n).
template <class T>
struct GRUOutput {
  Var<T> output;  // h_t of every step: [T, N, H] ([N, T, H] with batch_first, [T, H] unbatched)
  Var<T> h_n;     // each layer's last step: [L, N, H] ([L, H] unbatched)
};

template <class T>
class GRU : public Module<T>, public RecurrentWeights<T> {
 public:
  // Registers, for each layer k < L, "weight_ih_lk" [3H, I] (layer 0; [3H, H] above it),
  // "weight_hh_lk" [3H, H], "bias_ih_lk" [3H] and "bias_hh_lk" [3H] (torch's names, in torch's
  // order); the members weight_ih, ... are layer 0's. Throws Error if a size or L is 0.
  explicit GRU(const GRUOptions& options);

  // The GRUCell's step over each time step of x [T, N, I] ([N, T, I] with batch_first, or [T, I]
  // for one example), layer by layer, from h_0 [L, N, H] ([L, H]), or zeros if h_0 is undefined.
  // Throws ShapeError naming the shapes, recording nothing.
  GRUOutput<T> forward(const Var<T>& x, const Var<T>& h_0);
  // The output sequence, from the zero state.
  Var<T> forward(const Var<T>& x) override { return forward(x, Var<T>()).output; }

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

extern template class GRUCell<float>;
extern template class GRUCell<double>;
extern template class GRU<float>;
extern template class GRU<double>;

}  // namespace tapegrad
