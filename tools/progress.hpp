// What `tapegrad train` shows and writes while it trains: a progress line that redraws itself on
// a terminal and degrades to one plain line per epoch otherwise, a CSV log of the loss per epoch,
// and an SVG plot of the loss curves.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace tapegrad::tools {

struct EpochRecord {
  int epoch = 0;  // 1-based
  double train_loss = 0;
  std::optional<double> validation_loss;
  double seconds = 0;  // wall time of the epoch
  double examples_per_second = 0;
};

class Progress {
 public:
  // `interactive`: redraw one line with \r (a terminal) and print every epoch's line; otherwise
  // print only whole lines, one every `every` epochs and the last. `per_row`: the losses are
  // per row (a summed loss divided by the rows), and the lines say so.
  Progress(std::FILE* out, bool interactive, int epochs, std::size_t steps_per_epoch, int every = 1,
           bool per_row = false);

  // During an epoch: after each step, with the loss of its batch.
  void step(int epoch, std::size_t step, double loss, std::size_t examples_so_far);
  // At the end of an epoch.
  void epoch_done(const EpochRecord& record);

 private:
  std::FILE* out_;
  bool interactive_;
  int epochs_;
  std::size_t steps_per_epoch_;
  int every_;
  bool per_row_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

// True if `file` is a terminal (isatty).
bool is_terminal(std::FILE* file);

// "epoch,train_loss,validation_loss,seconds,examples_per_second" and one row per epoch; the
// validation column is empty without validation data. With `per_row` the loss columns are named
// train_loss_per_row and validation_loss_per_row.
std::string loss_log_csv(const std::vector<EpochRecord>& records, bool per_row = false);

// The epochs between plain progress lines off a terminal when --every is not given: about 20
// lines for the whole run, so that a log of 200 epochs stays readable.
int default_line_every(int epochs);

// A self-contained SVG line plot of the training (and validation) loss per epoch, with axes, tick
// labels, axis titles and a legend; the loss axis is logarithmic when the losses span more than
// a factor of 100 and are all positive.
std::string loss_plot_svg(const std::vector<EpochRecord>& records, const std::string& title);

}  // namespace tapegrad::tools
