#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace tapegrad::tools {

namespace {

std::string duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const auto s = static_cast<long>(std::lround(seconds));
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, s / 60 % 60)
                   : fmt::format("{}m{:02}s", s / 60, s % 60);
}

}  // namespace

bool is_terminal(std::FILE* file) {
  return isatty(fileno(file)) == 1;
}

Progress::Progress(std::FILE* out, bool interactive, int epochs, std::size_t steps_per_epoch,
                   int every, bool per_row)
    : out_(out),
      interactive_(interactive),
      epochs_(epochs),
      steps_per_epoch_(steps_per_epoch),
      every_(std::max(every, 1)),
      per_row_(per_row) {}

int default_line_every(int epochs) {
  return std::max(1, (epochs + 19) / 20);
}

void Progress::step(int epoch, std::size_t step, double loss, std::size_t examples_so_far) {
  if (!interactive_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100) && step < steps_per_epoch_) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double done =
      (epoch - 1) + static_cast<double>(step) / static_cast<double>(steps_per_epoch_);
  const double left = done > 0 ? elapsed * (epochs_ - done) / done : -1;
  constexpr int kWidth = 24;
  const int filled =
      static_cast<int>(kWidth * static_cast<double>(step) / static_cast<double>(steps_per_epoch_));
  fmt::print(out_,
             "\r\x1b[Kepoch {}/{} [{:=<{}}{:<{}}] step {}/{}  loss {:.6g}  {:.0f} ex/s  {} left",
             epoch, epochs_, "", filled, "", kWidth - filled, step, steps_per_epoch_, loss,
             elapsed > 0 ? static_cast<double>(examples_so_far) / elapsed : 0.0, duration(left));
  std::fflush(out_);
}

void Progress::epoch_done(const EpochRecord& r) {
  if (!interactive_ && r.epoch % every_ != 0 && r.epoch != epochs_) return;
  if (interactive_) fmt::print(out_, "\r\x1b[K");
  const std::string_view unit = per_row_ ? " per row" : "";
  fmt::print(out_, "epoch {}/{}  train loss{} {:.6g}", r.epoch, epochs_, unit, r.train_loss);
  if (r.validation_loss) fmt::print(out_, "  validation loss{} {:.6g}", unit, *r.validation_loss);
  fmt::print(out_, "  {:.0f} ex/s  {:.2f} s\n", r.examples_per_second, r.seconds);
  std::fflush(out_);
}

std::string loss_log_csv(const std::vector<EpochRecord>& records, bool per_row) {
  std::string csv = per_row ? "epoch,train_loss_per_row,validation_loss_per_row,seconds,"
                              "examples_per_second\n"
                            : "epoch,train_loss,validation_loss,seconds,examples_per_second\n";
  for (const EpochRecord& r : records)
    csv += fmt::format("{},{:.17g},{},{:.6f},{:.1f}\n", r.epoch, r.train_loss,
                       r.validation_loss ? fmt::format("{:.17g}", *r.validation_loss) : "",
                       r.seconds, r.examples_per_second);
  return csv;
}

namespace {

std::string xml_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// "Nice" tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
std::vector<double> linear_ticks(double lo, double hi) {
  const double span = hi - lo > 0 ? hi - lo : 1.0;
  const double raw = span / 5, power = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / power < 1.5 ? power : raw / power < 3.5 ? 2 * power : 5 * power;
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) ticks.push_back(t);
  return ticks;
}

}  // namespace

std::string loss_plot_svg(const std::vector<EpochRecord>& records, const std::string& title) {
  constexpr double kWidth = 720, kHeight = 440, kLeft = 80, kRight = 20, kTop = 40, kBottom = 60;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;

  std::vector<double> all;
  for (const EpochRecord& r : records) {
    all.push_back(r.train_loss);
    if (r.validation_loss) all.push_back(*r.validation_loss);
  }
  const bool finite = !all.empty() && std::all_of(all.begin(), all.end(),
                                                  [](double v) { return std::isfinite(v); });
  double lo = finite ? *std::min_element(all.begin(), all.end()) : 0.0;
  double hi = finite ? *std::max_element(all.begin(), all.end()) : 1.0;
  const bool log_scale = finite && lo > 0 && hi / lo > 100;
  auto to_axis = [&](double v) { return log_scale ? std::log10(v) : v; };
  double a_lo = to_axis(lo), a_hi = to_axis(hi);
  if (!(a_hi > a_lo)) a_lo -= 0.5, a_hi += 0.5;  // a flat curve still gets an axis
  const int first = records.empty() ? 1 : records.front().epoch;
  const int last = records.empty() ? 1 : std::max(records.back().epoch, first + 1);
  auto x_of = [&](double epoch) { return kLeft + plot_w * (epoch - first) / (last - first); };
  auto y_of = [&](double value) {
    return kTop + plot_h * (1 - (to_axis(value) - a_lo) / (a_hi - a_lo));
  };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{3}</text>\n",
      kWidth, kHeight, kWidth / 2, xml_escaped(title));
  // Axes, ticks and grid.
  svg += fmt::format(
      "<g stroke=\"black\"><line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
      "<line x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\"/></g>\n",
      kLeft, kTop, kTop + plot_h, kLeft + plot_w);
  for (double t : linear_ticks(a_lo, a_hi)) {
    const double y = kTop + plot_h * (1 - (t - a_lo) / (a_hi - a_lo));
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.2f}\" x2=\"{2}\" y2=\"{1:.2f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.2f}\" text-anchor=\"end\">{5}</text>\n",
        kLeft, y, kLeft + plot_w, kLeft - 6, y + 4,
        log_scale ? fmt::format("1e{:g}", t) : fmt::format("{:g}", t));
  }
  for (double t : linear_ticks(first, last)) {
    if (t != std::floor(t)) continue;  // epochs are whole numbers
    svg += fmt::format("<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{:g}</text>\n", x_of(t),
                       kTop + plot_h + 18, t);
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epoch</text>\n"
      "<text transform=\"translate(18 {}) rotate(-90)\" text-anchor=\"middle\">loss{}</text>\n",
      kLeft + plot_w / 2, kHeight - 16, kTop + plot_h / 2, log_scale ? " (log scale)" : "");
  // The curves.
  auto polyline = [&](bool validation, const char* colour) {
    std::string points;
    for (const EpochRecord& r : records) {
      const std::optional<double> v =
          validation ? r.validation_loss : std::optional<double>(r.train_loss);
      if (v && std::isfinite(*v) && (!log_scale || *v > 0))
        points += fmt::format("{:.2f},{:.2f} ", x_of(r.epoch), y_of(*v));
    }
    if (!points.empty())
      svg += fmt::format(
          "<polyline class=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n",
          validation ? "validation" : "train", colour, points);
    return !points.empty();
  };
  const bool has_train = polyline(false, "#1f77b4");
  const bool has_validation = polyline(true, "#ff7f0e");
  // The legend.
  double legend_y = kTop + 12;
  for (auto [shown, label, colour] : {std::tuple{has_train, "training loss", "#1f77b4"},
                                      std::tuple{has_validation, "validation loss", "#ff7f0e"}}) {
    if (!shown) continue;
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"/>"
        "<text x=\"{4}\" y=\"{5}\">{6}</text>\n",
        kLeft + plot_w - 150, legend_y, kLeft + plot_w - 125, colour, kLeft + plot_w - 118,
        legend_y + 4, label);
    legend_y += 18;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace tapegrad::tools
