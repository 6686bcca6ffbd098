// Mini-batches for C++ training loops, as torch.utils.data's TensorDataset and DataLoader give
// them: a dataset of examples held as two tensors, and a loader that cuts an epoch of it into
// batches, in a seeded shuffled order or in row order.
//
//   TensorDataset<float> data(inputs, targets);  // [N, ...] and [N, ...]; or to_tensor_dataset()
//   DataLoader<float> loader(data, DataLoaderOptions().batch_size(32).shuffle(true).seed(7));
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (const Batch<float>& batch : loader) {  // each `for` over the loader is one epoch
//       tape.clear();
//       Var<float> loss = mse_loss(net.forward(batch.inputs), batch.targets);
//       ...
//     }
//
// Batches are Tensors, not Vars: a loader knows no tape, and a Tensor becomes a constant on the
// current tape where an op takes it (Var's implicit conversion), so the same batch can feed a
// training step and an evaluation under NoGradGuard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <vector>

#include "../graph/random.hpp"
#include "../graph/tensor.hpp"

namespace tapegrad {

// N examples: row i of `inputs` [N, ...] is example i's input, row i of `targets` [N, ...] its
// target (torch.utils.data.TensorDataset of two tensors).
template <class T>
class TensorDataset {
 public:
  // Throws ShapeError naming both shapes unless both have rank ≥ 1 and the same first size N.
  TensorDataset(Tensor<T> inputs, Tensor<T> targets);

  std::size_t size() const { return inputs_.shape()[0]; }  // N
  const Tensor<T>& inputs() const { return inputs_; }
  const Tensor<T>& targets() const { return targets_; }

  // The examples `rows`, in that order, into `inputs` [rows.size(), ...] and `targets`; each
  // output is reallocated only if its shape changes, so a loop reuses its buffers. Throws
  // ShapeError for a row ≥ N.
  void gather(std::span<const std::size_t> rows, Tensor<T>& inputs, Tensor<T>& targets) const;

 private:
  Tensor<T> inputs_;
  Tensor<T> targets_;
};

// A loader's settings with chained setters, torch's defaults: batch_size 1, no shuffling, the
// last partial batch kept. seed only matters with shuffle(true).
class DataLoaderOptions {
 public:
  DataLoaderOptions() = default;
  explicit DataLoaderOptions(std::size_t batch_size) : batch_size_(batch_size) {}

  DataLoaderOptions& batch_size(std::size_t batch_size) {
    batch_size_ = batch_size;
    return *this;
  }
  DataLoaderOptions& shuffle(bool shuffle) {
    shuffle_ = shuffle;
    return *this;
  }
  DataLoaderOptions& seed(std::uint64_t seed) {
    seed_ = seed;
    return *this;
  }
  DataLoaderOptions& drop_last(bool drop_last) {
    drop_last_ = drop_last;
    return *this;
  }

  std::size_t batch_size() const { return batch_size_; }
  bool shuffle() const { return shuffle_; }
  std::uint64_t seed() const { return seed_; }
  bool drop_last() const { return drop_last_; }

 private:
  std::size_t batch_size_ = 1;
  bool shuffle_ = false;
  std::uint64_t seed_ = Generator::kDefaultSeed;
  bool drop_last_ = false;
};

// One batch: the inputs and targets of the examples `indices` (rows of the dataset), in order.
template <class T>
struct Batch {
  Tensor<T> inputs;   // [B, ...]
  Tensor<T> targets;  // [B, ...]
  std::vector<std::size_t> indices;
};

// Cuts a TensorDataset into batches of batch_size examples, one epoch per pass.
//
// Order: without shuffle, rows 0, 1, ..., N − 1 in every epoch. With shuffle, the loader owns a
// Generator seeded with options.seed() and an order that starts as 0, ..., N − 1; each epoch
// permutes the previous epoch's order by Fisher–Yates with fresh draws from that generator
// (N − 1 draws per epoch). So epoch k's order depends only on the seed and k: two loaders with
// the same seed give the same sequence of epochs, and epochs differ from one another as
// successive draws of one generator do. (The `tapegrad train` command shuffles this way.)
//
// Batches: the order cut into runs of batch_size; the last run, if shorter, is a batch of its own
// unless drop_last, which leaves those examples out of the epoch (they may be in the next one's
// full batches).
template <class T>
class DataLoader {
 public:
  class Iterator;
  struct End {};

  // Throws Error if batch_size is 0 or the dataset is empty.
  DataLoader(TensorDataset<T> dataset, DataLoaderOptions options = {});

  // Starts the next epoch (drawing its order, with shuffle) and returns its first batch: each
  // range-for over the loader is one epoch, as in torch. Iterators of an earlier epoch are
  // invalid once a new one begins.
  Iterator begin();
  End end() const { return {}; }

  // Draws the orders of `count` epochs without producing their batches: a run resumed after k
  // epochs calls advance_epochs(k) to see the order of epoch k + 1 that an unbroken run sees.
  void advance_epochs(std::size_t count);

  std::size_t size() const;  // batches per epoch
  std::size_t epochs_begun() const { return epochs_; }
  const TensorDataset<T>& dataset() const { return dataset_; }
  const DataLoaderOptions& options() const { return options_; }

  // An input iterator over one epoch's batches; the Batch it refers to is the loader's buffer,
  // overwritten (reusing its storage) when the iterator advances.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch<T>;
    using difference_type = std::ptrdiff_t;
    using pointer = const Batch<T>*;
    using reference = const Batch<T>&;

    const Batch<T>& operator*() const { return loader_->batch_; }
    const Batch<T>* operator->() const { return &loader_->batch_; }
    Iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const Iterator& it, End) { return it.index_ == it.loader_->size(); }

   private:
    friend class DataLoader;
    Iterator(DataLoader* loader, std::size_t index);
    DataLoader* loader_;
    std::size_t index_;
  };

 private:
  void next_order();
  void load_batch(std::size_t index);

  TensorDataset<T> dataset_;
  DataLoaderOptions options_;
  Generator generator_;
  std::vector<std::size_t> order_;
  std::size_t epochs_ = 0;
  Batch<T> batch_;
};

extern template class TensorDataset<float>;
extern template class TensorDataset<double>;
extern template class DataLoader<float>;
extern template class DataLoader<double>;

}  // namespace tapegrad
