// `tapegrad train`: trains the model of a config on CSV data, from a weights file, with an
// optimizer chosen by name; optionally data-parallel over MPI ranks, with checkpoints to resume
// from. Runs in the element type of the weights file (F32 as float, F64 as double).
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <utility>

#include "collective.hpp"
#include "commands.hpp"
#include "gradient_exchange.hpp"
#include "graph/checks.hpp"
#include "graph/errors.hpp"
#include "graph/tape.hpp"
#include "model_checks.hpp"
#include "model_files.hpp"
#include "models/data.hpp"
#include "models/io/atomic_file.hpp"
#include "models/io/csv_data.hpp"
#include "models/io/module_state.hpp"
#include "models/io/safetensors.hpp"
#include "models/io/training.hpp"
#include "ops/ops.hpp"
#include "optim/clip_grad.hpp"
#include "output_paths.hpp"
#include "progress.hpp"
#include "weights.hpp"

namespace tapegrad::tools {

namespace {

// A failure planted for the tests of data-parallel training: TAPEGRAD_TEST_FAIL_AT="R:S" makes
// rank R throw at its step S (counted from 1 over the whole run). Read once.
void planted_failure(int rank, std::size_t step) {
  static const std::pair<int, unsigned long> at = [] {
    std::pair<int, unsigned long> parsed{-1, 0};
    if (const char* text = std::getenv("TAPEGRAD_TEST_FAIL_AT"))
      if (std::sscanf(text, "%d:%lu", &parsed.first, &parsed.second) != 2) parsed = {-1, 0};
    return parsed;
  }();
  if (at.first == rank && at.second == step)
    throw Error(fmt::format("a planted failure at step {} (TAPEGRAD_TEST_FAIL_AT)", step));
}

// Data-parallel ranks must train on the same thing, or their collective calls stop lining up
// (a hang, or floats summed as doubles). Each compares what it read with rank 0's, before any
// other collective call: rows, steps per epoch, epochs, seed, element type, parameter count, and
// checksums of the data and the weights as read from the files.
template <class T>
void check_same_job(Collective& team, const Dataset& data, const std::optional<Dataset>& validation,
                    const TrainCommandOptions& options, const Module<T>& net, std::size_t steps) {
  const auto checksum = [](std::span<const double> values) {
    double s = 0;
    for (std::size_t i = 0; i < values.size(); ++i)
      s += values[i] * (1.0 + static_cast<double>(i % 7));
    return s;
  };
  double weights = 0, parameters = 0;
  for (const auto& [name, p] : net.named_parameters()) {
    parameters += static_cast<double>(p.size());
    for (T v : p.value().values()) weights += static_cast<double>(v);
  }
  std::vector<double> mine{static_cast<double>(data.rows),
                           static_cast<double>(steps),
                           static_cast<double>(options.epochs),
                           static_cast<double>(options.seed),
                           sizeof(T) == sizeof(double) ? 64.0 : 32.0,
                           parameters,
                           weights,
                           checksum(data.x.values()),
                           checksum(data.y.values()),
                           validation ? checksum(validation->x.values()) : 0.0};
  std::vector<double> lead = mine;
  team.broadcast(std::span<double>(lead));
  static constexpr const char* kWhat[] = {"rows of data",
                                          "steps per epoch",
                                          "epochs",
                                          "seed",
                                          "element type (bits)",
                                          "parameters",
                                          "weights (checksum)",
                                          "data inputs (checksum)",
                                          "data targets (checksum)",
                                          "validation data (checksum)"};
  for (std::size_t i = 0; i < mine.size(); ++i)
    if (mine[i] != lead[i])
      throw Error(fmt::format(
          "--data-parallel: this rank's {} ({}) differ from rank 0's ({}); every rank must read "
          "the same files with the same options",
          kWhat[i], mine[i], lead[i]));
}

// This rank's share of a batch: rows [n·r/R, n·(r+1)/R).
void shard_of(const std::vector<std::size_t>& rows, int rank, int ranks,
              std::vector<std::size_t>& shard) {
  const std::size_t n = rows.size(), r = static_cast<std::size_t>(rank),
                    count = static_cast<std::size_t>(ranks);
  shard.assign(rows.begin() + static_cast<std::ptrdiff_t>(n * r / count),
               rows.begin() + static_cast<std::ptrdiff_t>(n * (r + 1) / count));
}

// For --resume: loads the checkpoint's optimizer state and replays the shuffles of the epochs it
// had done, so that the next epoch draws the batches an uninterrupted run would. Returns them.
template <class T>
int resume_epochs(const TrainCommandOptions& options, const TensorFile& weights,
                  const Module<T>& net, Optimizer<T>& optimizer, DataLoader<T>& loader) {
  const int done = resume_checkpoint(weights, net, optimizer);
  // The checkpoint's settings continue the run exactly; a flag asking for others was ignored
  // while the report showed it.
  for (const auto& [name, value] : optimizer.param_groups()[0].options().fields()) {
    const bool lr = name == "lr", decay = name == "weight_decay";
    const double asked = lr ? options.lr : options.weight_decay;
    if (((lr && options.lr_given) || (decay && options.weight_decay >= 0)) && asked != value)
      throw Error(fmt::format(
          "train --resume: --{} {} is not the checkpoint's {} {}; a resumed run continues with "
          "the checkpoint's settings, so leave out --{} (or give the checkpoint's value)",
          lr ? "lr" : "weight-decay", asked, name, value, lr ? "lr" : "weight-decay"));
  }
  if (done >= options.epochs)
    throw Error(
        fmt::format("train --resume: {} was written after epoch {}, so --epochs {} leaves "
                    "nothing to train; --epochs counts from the start of the first run",
                    options.weights, done, options.epochs));
  loader.advance_epochs(static_cast<std::size_t>(done));
  return done;
}

// Trains on `data`; with a team (data-parallel), each rank takes its contiguous share of every
// batch, the ranks' gradients are summed before each step, and only rank 0 prints and writes.
template <class T>
int train_in(const ModelConfig& config, const TrainCommandOptions& options, const Dataset& data,
             const std::optional<Dataset>& validation, const TensorFile& weights,
             Collective* team) {
  const int rank = team ? team->rank() : 0, ranks = team ? team->size() : 1;
  const bool lead = rank == 0;
  check_targets(config.loss, data, kTargetSumTolerance<T>);
  if (validation) check_targets(config.loss, *validation, kTargetSumTolerance<T>);
  const std::shared_ptr<Module<T>> model = load_model<T>(config, weights);
  Module<T>& net = *model;  // training mode: dropout active
  // --batch 0 is the whole dataset; the order is reshuffled each epoch from --seed, the same on
  // every rank, so that the ranks cut the same batches.
  DataLoader<T> loader(to_tensor_dataset<T>(data),
                       DataLoaderOptions(options.batch == 0 ? data.rows : options.batch)
                           .shuffle(true)
                           .seed(options.seed));
  std::optional<GradientExchange<T>> exchange;
  if (team) {
    check_same_job(*team, data, validation, options, net, loader.size());
    // Every replica starts from rank 0's weights.
    for (Parameter<T>& p : net.parameters()) team->broadcast(p.values());
    exchange.emplace(*team, net.parameters());
  }
  const DetectAnomalyGuard anomaly(options.detect_anomaly);
  auto optimizer = make_optimizer<T>(
      parse_optimizer(options.optimizer), net.parameters(), options.lr,
      options.weight_decay >= 0 ? std::optional<double>(options.weight_decay) : std::nullopt);
  // mpirun gives the ranks a pseudo-terminal even when its output goes to a file: plain lines.
  const bool interactive = !team && is_terminal(stdout);
  // sse sums over the rows, so files of different sizes (training, validation) would not
  // compare: what is shown and logged is the loss per row, E/n, and says so.
  const bool per_row = config.loss == Loss::kSse;
  std::optional<Progress> progress;
  if (lead && !options.quiet)
    progress.emplace(stdout, interactive, options.epochs, loader.size(),
                     options.every > 0 ? options.every : default_line_every(options.epochs),
                     per_row);
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  Tensor<T> xb, yb;  // this rank's share of a batch
  const Tensor<T>& all_x = loader.dataset().inputs();
  const Tensor<T>& all_y = loader.dataset().targets();
  auto evaluate = [&](const Tensor<T>& x, const Tensor<T>& y) {
    NoGradGuard no_grad;
    tape.clear();
    net.eval();  // the loss of the model as it will be used: no dropout
    const double loss = apply_loss(config.loss, net.forward(x), Var<T>(y)).item();
    net.train();
    return per_row ? loss / static_cast<double>(x.shape()[0]) : loss;
  };
  std::optional<Tensor<T>> val_x, val_y;
  if (validation) val_x = validation->x_as<T>(), val_y = validation->y_as<T>();
  const bool summed = config.loss == Loss::kSse;  // else a mean over the batch's rows

  std::vector<EpochRecord> records;
  const double initial = evaluate(all_x, all_y);
  refuse_overflow<T>("train", initial, nullptr, "at the initial weights");
  const int done = options.resume ? resume_epochs(options, weights, net, *optimizer, loader) : 0;
  if (progress)  // the lr in effect: with --resume, the checkpoint's
    fmt::print("{} rows, {} steps per epoch, {} with lr {}{}; loss {}{} at the start: {:.6g}\n",
               data.rows, loader.size(), options.optimizer,
               optimizer->param_groups()[0].options().lr(),
               team ? fmt::format(", data-parallel over {} ranks", ranks) : "",
               to_string(config.loss), per_row ? " per row" : "", initial);
  std::size_t total_steps = 0;
  std::vector<std::size_t> shard;
  for (int epoch = done + 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    std::size_t seen = 0, step = 0;
    for (const Batch<T>& batch : loader) {
      const std::vector<std::size_t>& rows = batch.indices;
      planted_failure(rank, ++total_steps);
      shard_of(rows, rank, ranks, shard);
      optimizer->zero_grad();
      T loss_value = 0;
      if (!shard.empty()) {
        if (team) loader.dataset().gather(shard, xb, yb);  // (the loader gathered all rows)
        const Tensor<T>& x = team ? xb : batch.inputs;
        const Tensor<T>& y = team ? yb : batch.targets;
        tape.clear();
        const Var<T> loss = apply_loss(config.loss, net.forward(x), Var<T>(y));
        loss.backward();
        loss_value = loss.item();
        if (total_steps == 1)  // still at the initial weights: an overflow, not divergence
          refuse_overflow("train", static_cast<double>(loss_value), &net, "at the initial weights");
      }
      if (team) {
        // A mean loss over the batch is Σ_r (n_r/n)·(the mean over rank r's rows); sse is a sum.
        const T share = summed ? T(1) : static_cast<T>(shard.size()) / static_cast<T>(rows.size());
        exchange->sum_over_ranks(share, std::span<T>(&loss_value, 1));
      }
      if (options.clip_grad_norm > 0)  // after the ranks' gradients are summed: the same everywhere
        clip_grad_norm_(net.parameters(), options.clip_grad_norm);
      optimizer->step();
      seen += rows.size();
      ++step;
      if (progress) progress->step(epoch, step, static_cast<double>(loss_value), seen);
    }
    EpochRecord record;
    record.epoch = epoch;
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record.examples_per_second =
        record.seconds > 0 ? static_cast<double>(seen) / record.seconds : 0;
    record.train_loss = evaluate(all_x, all_y);
    if (val_x) record.validation_loss = evaluate(*val_x, *val_y);
    if (!std::isfinite(record.train_loss))
      throw Error(
          fmt::format("train: the loss diverged: it became {} in epoch {}; try a smaller --lr, or "
                      "--detect-anomaly to find the op where it started",
                      std::isnan(record.train_loss) ? "NaN" : "infinite", epoch));
    if (progress) progress->epoch_done(record);
    records.push_back(record);
    if (lead && !options.checkpoint.empty() && epoch % options.checkpoint_every == 0) {
      save_checkpoint(options.checkpoint, net, *optimizer,
                      epoch);  // atomic: a crash keeps the last
      if (!is_terminal(stdout) && !options.quiet)
        fmt::print("checkpoint: epoch {} in {}\n", epoch, options.checkpoint);
    }
  }
  if (exchange && lead)
    fmt::print("allreduce: {:.1f} µs per step ({:.0f} bucket(s) of at most {} values), {} ranks\n",
               exchange->seconds_per_step() * 1e6, exchange->buckets_per_step(),
               GradientExchange<T>::kDefaultBucketValues, ranks);
  if (!lead) return 0;
  // All of the outputs or none: a log that cannot be written must not leave new weights in
  // place of the old (which may be the input, with --overwrite-input).
  StagedFiles outputs;
  TensorFile trained;
  if (config.is_layered())
    trained = io::state_to_file(net);  // torch's state_dict: parameters and buffers
  else
    for (auto& [name, value] : named_values(net)) trained.add(name, std::move(value));
  outputs.add(options.out, serialize_safetensors(trained));
  if (!options.log.empty()) outputs.add(options.log, loss_log_csv(records, per_row));
  if (!options.plot.empty())
    outputs.add(
        options.plot,
        loss_plot_svg(records, fmt::format("{}: {} loss{} per epoch",
                                           config.name.empty() ? options.model : config.name,
                                           to_string(config.loss), per_row ? " per row" : "")));
  outputs.commit();
  for (const std::string* written : {&options.out, &options.log, &options.plot})
    if (!written->empty()) fmt::print("wrote {}\n", *written);
  return 0;
}

}  // namespace

int run_train(const TrainCommandOptions& options) {
  if (options.checkpoint_every < 1)
    throw Error(fmt::format("train: --checkpoint-every must be at least 1, got {}",
                            options.checkpoint_every));
  OutputPlan plan;
  plan.input("--model", options.model);
  plan.input("--weights", options.weights);
  plan.input("--data", options.data);
  plan.input("--val", options.validation);
  plan.output("--out", options.out, overwrite(options.overwrite_input));
  for (const auto& [flag, path] : {std::pair{"--log", &options.log},
                                   {"--plot", &options.plot},
                                   {"--checkpoint", &options.checkpoint}})
    if (!path->empty()) plan.output(flag, *path);
  plan.check();
  if (!options.data_parallel)
    for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
      if (const char* size = std::getenv(variable); size != nullptr && std::atoi(size) > 1)
        throw Error(fmt::format(
            "train: started by mpirun with {} ranks but without --data-parallel, so each would "
            "train alone and write the same files; add --data-parallel, or run one process",
            size));
  std::unique_ptr<Collective> team;
  if (options.data_parallel) team = make_mpi_collective();
  const auto train = [&] {
    const ModelConfig config = read_model_config(options.model);
    const Dataset data = read_model_data(options.data, config);
    std::optional<Dataset> validation;
    if (!options.validation.empty()) validation = read_model_data(options.validation, config);
    const TensorFile weights = read_weights(options.weights);
    return weights_are_double(weights)
               ? train_in<double>(config, options, data, validation, weights, team.get())
               : train_in<float>(config, options, data, validation, weights, team.get());
  };
  if (!team) return train();
  // One rank failing must stop them all (the others would wait in the next allreduce forever):
  // its error goes to stderr and the job ends. Rank 0's last checkpoint stays as written.
  try {
    return train();
  } catch (const AnomalyError& e) {
    team->abort(e.what(), 1);
  } catch (const std::exception& e) {
    team->abort(e.what(), 2);
  }
  return 2;  // not reached: abort() ends the process
}

}  // namespace tapegrad::tools
