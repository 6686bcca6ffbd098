// TensorDataset and DataLoader: batch counts and sizes with and without drop_last, every example
// once per epoch, seeded orders reproducible and different from epoch to epoch, batch contents
// equal to the dataset's rows, and a CSV file's rows as examples.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include "tapegrad.hpp"

namespace file_models_data_loader_test {

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

// n examples: input row i is [i, 100 + i, 200 + i] as [n, 3] (or [n, 1, 3]), target row i is
// [−i] as [n, 1], so every value names its row.
TensorDataset<double> numbered(std::size_t n, bool rank3 = false) {
  Tensor<double> x(rank3 ? Shape{n, 1, 3} : Shape{n, 3}), y(Shape{n, 1});
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < 3; ++j) x[i * 3 + j] = static_cast<double>(100 * j + i);
    y[i] = -static_cast<double>(i);
  }
  return TensorDataset<double>(x, y);
}

// One epoch's batches, as the rows each holds.
template <class T>
std::vector<std::vector<std::size_t>> epoch_of(DataLoader<T>& loader) {
  std::vector<std::vector<std::size_t>> batches;
  for (const Batch<T>& batch : loader) batches.push_back(batch.indices);
  return batches;
}

std::vector<std::size_t> sizes_of(const std::vector<std::vector<std::size_t>>& batches) {
  std::vector<std::size_t> sizes;
  for (const auto& b : batches) sizes.push_back(b.size());
  return sizes;
}

std::vector<std::size_t> flattened(const std::vector<std::vector<std::size_t>>& batches) {
  std::vector<std::size_t> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  return all;
}

}  // namespace

TEST_CASE("DataLoader cuts 10 examples into batches of 4: 4, 4, 2, or 4, 4 with drop_last",
          "[models][data]") {
  for (const bool shuffle : {false, true}) {
    DataLoader<double> kept(numbered(10), DataLoaderOptions().batch_size(4).shuffle(shuffle));
    CHECK(kept.size() == 3);
    CHECK(sizes_of(epoch_of(kept)) == std::vector<std::size_t>{4, 4, 2});
    DataLoader<double> dropped(numbered(10),
                               DataLoaderOptions().batch_size(4).shuffle(shuffle).drop_last(true));
    CHECK(dropped.size() == 2);
    CHECK(sizes_of(epoch_of(dropped)) == std::vector<std::size_t>{4, 4});
  }
  DataLoader<double> exact(numbered(8), DataLoaderOptions(4).drop_last(true));
  CHECK(sizes_of(epoch_of(exact)) == std::vector<std::size_t>{4, 4});
  DataLoader<double> larger(numbered(3), DataLoaderOptions(5));  // one short batch
  CHECK(sizes_of(epoch_of(larger)) == std::vector<std::size_t>{3});
  DataLoader<double> none(numbered(3), DataLoaderOptions(5).drop_last(true));
  CHECK(epoch_of(none).empty());
  DataLoader<double> defaults(numbered(3));  // torch's default batch_size 1, in row order
  CHECK(epoch_of(defaults) == std::vector<std::vector<std::size_t>>{{0}, {1}, {2}});
}

TEST_CASE("DataLoader without shuffle gives the rows in order in every epoch", "[models][data]") {
  DataLoader<double> loader(numbered(7), DataLoaderOptions(3));
  const std::vector<std::vector<std::size_t>> expected{{0, 1, 2}, {3, 4, 5}, {6}};
  CHECK(epoch_of(loader) == expected);
  CHECK(epoch_of(loader) == expected);
  CHECK(loader.epochs_begun() == 2);
}

TEST_CASE("DataLoader with shuffle gives every example exactly once per epoch", "[models][data]") {
  DataLoader<double> loader(numbered(23), DataLoaderOptions(5).shuffle(true).seed(7));
  for (int epoch = 0; epoch < 5; ++epoch) {
    std::vector<std::size_t> all = flattened(epoch_of(loader));
    CHECK(all.size() == 23);
    CHECK(std::set<std::size_t>(all.begin(), all.end()).size() == 23);
    CHECK(*std::max_element(all.begin(), all.end()) == 22);
  }
  // With drop_last, each epoch's examples are distinct; the ones left out change.
  DataLoader<double> dropped(numbered(23), DataLoaderOptions(5).shuffle(true).drop_last(true));
  std::set<std::size_t> ever;
  for (int epoch = 0; epoch < 5; ++epoch) {
    const std::vector<std::size_t> all = flattened(epoch_of(dropped));
    CHECK(all.size() == 20);
    CHECK(std::set<std::size_t>(all.begin(), all.end()).size() == 20);
    ever.insert(all.begin(), all.end());
  }
  CHECK(ever.size() > 20);
}

TEST_CASE("the seed reproduces the orders, and epochs and seeds differ", "[models][data]") {
  const DataLoaderOptions options = DataLoaderOptions(4).shuffle(true).seed(7);
  DataLoader<double> a(numbered(20), options), b(numbered(20), options);
  const auto a1 = epoch_of(a), a2 = epoch_of(a), a3 = epoch_of(a);
  CHECK(epoch_of(b) == a1);
  CHECK(epoch_of(b) == a2);
  CHECK(a1 != a2);
  CHECK(a2 != a3);
  DataLoader<double> other(numbered(20), DataLoaderOptions(4).shuffle(true).seed(8));
  CHECK(epoch_of(other) != a1);
  // A resumed run skips the epochs it has done and sees the same next order.
  DataLoader<double> resumed(numbered(20), options);
  resumed.advance_epochs(2);
  CHECK(epoch_of(resumed) == a3);
  CHECK(resumed.epochs_begun() == 3);
}

TEST_CASE("the order is Fisher–Yates over the previous epoch's, from the seeded generator",
          "[models][data]") {
  // The rule written out with plain loops: what `tapegrad train` has always shuffled by.
  std::vector<std::size_t> order{0, 1, 2, 3, 4, 5};
  Generator generator(11);
  DataLoader<double> loader(numbered(6), DataLoaderOptions(6).shuffle(true).seed(11));
  for (int epoch = 0; epoch < 3; ++epoch) {
    for (std::size_t i = order.size(); i-- > 1;)
      std::swap(order[i], order[generator.bits() % (i + 1)]);
    CHECK(epoch_of(loader) == std::vector<std::vector<std::size_t>>{order});
  }
}

TEST_CASE("a batch holds the dataset's rows of its indices, any rank", "[models][data]") {
  for (const bool rank3 : {false, true}) {
    const TensorDataset<double> data = numbered(9, rank3);
    DataLoader<double> loader(data, DataLoaderOptions(4).shuffle(true).seed(3));
    for (const Batch<double>& batch : loader) {
      const std::size_t b = batch.indices.size();
      CHECK(batch.inputs.shape() == (rank3 ? Shape{b, 1, 3} : Shape{b, 3}));
      CHECK(batch.targets.shape() == Shape{b, 1});
      for (std::size_t r = 0; r < b; ++r) {
        const double row = static_cast<double>(batch.indices[r]);
        for (std::size_t j = 0; j < 3; ++j) CHECK(batch.inputs[r * 3 + j] == 100.0 * j + row);
        CHECK(batch.targets[r] == -row);
      }
    }
  }
}

TEST_CASE("a batch feeds a model on the tape as constants", "[models][data]") {
  Linear<float> layer(LinearOptions(3, 1));
  Tensor<float> x({4, 3}), y({4, 1});
  for (std::size_t i = 0; i < 12; ++i) x[i] = 0.1f * static_cast<float>(i);
  DataLoader<float> loader(TensorDataset<float>(x, y), DataLoaderOptions(2));
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  for (const Batch<float>& batch : loader) {
    tape.clear();
    layer.zero_grad();
    const Var<float> loss = mse_loss(layer.forward(batch.inputs), batch.targets);
    loss.backward();
    CHECK(layer.weight.has_grad());
  }
}

TEST_CASE("TensorDataset and DataLoader refuse what cannot be batched", "[models][data]") {
  CHECK_THROWS_WITH(TensorDataset<double>(Tensor<double>(Shape{3, 2}), Tensor<double>(Shape{4})),
                    Contains("TensorDataset: inputs [3,2] and targets [4]"));
  CHECK_THROWS_AS(TensorDataset<double>(Tensor<double>::scalar(1), Tensor<double>::scalar(1)),
                  ShapeError);
  CHECK_THROWS_WITH(DataLoader<double>(numbered(3), DataLoaderOptions(0)),
                    Contains("batch_size must be at least 1"));
  CHECK_THROWS_WITH(DataLoader<double>(TensorDataset<double>(Tensor<double>(Shape{0, 2}),
                                                             Tensor<double>(Shape{0, 1}))),
                    Contains("the dataset is empty"));
  Tensor<double> in, out;
  const std::vector<std::size_t> rows{1, 3};
  CHECK_THROWS_WITH(numbered(3).gather(rows, in, out), Contains("row 3 of a dataset of 3"));
}

TEST_CASE("a CSV file's rows become a float TensorDataset", "[models][data][csv]") {
  const Dataset csv = parse_csv_dataset("x1,x2,y\n0.5,1,2\n3,4,5\n", "data.csv", 2, 1);
  const TensorDataset<float> data = to_tensor_dataset<float>(csv);
  CHECK(data.size() == 2);
  CHECK(data.inputs().shape() == Shape{2, 2});
  CHECK(std::vector<float>(data.inputs().values().begin(), data.inputs().values().end()) ==
        std::vector<float>{0.5f, 1, 3, 4});
  CHECK(std::vector<float>(data.targets().values().begin(), data.targets().values().end()) ==
        std::vector<float>{2, 5});
  DataLoader<float> loader(data, DataLoaderOptions(2));
  const Batch<float>& batch = *loader.begin();
  CHECK(batch.inputs[2] == 3.0f);
  CHECK(batch.targets[1] == 5.0f);
}

}  // namespace file_models_data_loader_test
