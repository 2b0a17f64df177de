// Curves and heat maps as .dat + .gp pairs, rendered by gnuplot through gnuplot-iostream (see figure.hpp).
#include "blobflow/reports/figure.hpp"

#include "blobflow/reports/quantity.hpp"
#include "blobflow/reports/table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <tuple>

#include <gnuplot-iostream.h>

namespace blobflow::reports {
namespace {

/// Quotes a string for a gnuplot script (single quotes; a single quote is doubled).
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

/// Runs `gp` in `dir` with gnuplot when `render` is true and gnuplot is installed; whether `png` exists afterwards.
bool render_script(const std::filesystem::path& dir, const std::string& gp, const std::string& png, bool render) {
  if (!render || std::system("command -v gnuplot >/dev/null 2>&1") != 0) return false;
  {
    // gnuplot-iostream opens a pipe to gnuplot; closing it (end of scope) lets gnuplot finish and exit.
    Gnuplot gnuplot("gnuplot");
    gnuplot << "cd " << quoted(dir.string()) << "\nload " << quoted(gp) << "\n";
  }
  return std::filesystem::exists(dir / png);
}

/// Legend labels longer than this many characters (a study's group coordinates) move the legend below the plot: to
/// its right they would leave the plot a fraction of the figure's width.
constexpr std::size_t kLongLegendLabel = 40;

/// Pixels of one heat-map panel (with its colour box and title) in the PNG and SVG images.
constexpr int kPanelWidth = 520, kPanelHeight = 460;
/// Hundredths of a second each frame of an animation is shown: 4 frames a second, slow enough to follow agents.
constexpr int kFrameDelay = 25;
/// Room for the figure's title above the panels, in pixels.
constexpr int kTitleHeight = 40;
/// Pixels per inch of the paper's PDF: a panel of 520 x 460 pixels is 2.17 x 1.92 inches, so three panels fill the
/// 6.5-inch text of a one-column article and its fonts (points, not pixels) stay readable beside them.
constexpr double kPdfPixelsPerInch = 240.0;

/// Significant digits of a heat map's data: those of densities.csv in 2D (kDensityDigits2D); a colour needs 3.
constexpr int kHeatMapDigits = 7;

/// `v` with kHeatMapDigits significant digits.
std::string heat_map_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*g", kHeatMapDigits, v);
  return buffer;
}

/// The gnuplot palette commands (palette and range) of a panel.
std::string palette_commands(const HeatMapPanel& panel) {
  const std::string palette =
      panel.palette == Palette::sequential
          ? "set palette defined (0 '#ffffff', 1 '#c6dbef', 2 '#6baed6', 3 '#2171b5', 4 '#08306b')\n"
          : "set palette defined (-1 '#2166ac', -0.5 '#92c5de', 0 '#f7f7f7', 0.5 '#f4a582', 1 '#b2182b')\n";
  return palette + "set cbrange [" + format_shortest(panel.low) + ":" + format_shortest(panel.high) + "]\n";
}

/// Writes the data of a HeatMapFigure: per panel its map (a blank line after each scan line), then its points.
/// Returns per panel the indices of its two blocks in the file (-1: left out).
std::vector<std::pair<int, int>> write_heat_map_data(const std::filesystem::path& path, const HeatMapFigure& figure) {
  std::ofstream out(path);
  std::vector<std::pair<int, int>> blocks;
  int next = 0;
  for (const HeatMapPanel& p : figure.panels) {
    if (p.x1.size() != p.value.size() || p.x2.size() != p.value.size() || p.points_x1.size() != p.points_x2.size())
      throw std::runtime_error("figure " + figure.name + ": panel " + p.title + " has columns of unequal length");
    if (!(p.low < p.high))
      throw std::runtime_error("figure " + figure.name + ": panel " + p.title + " has the empty colour range [" +
                               format_shortest(p.low) + ", " + format_shortest(p.high) + "]");
    std::pair<int, int> at{-1, -1};
    if (!p.value.empty()) {
      out << "# map: " << p.title << "\n";
      for (std::size_t k = 0; k < p.value.size(); ++k) {
        if (k > 0 && p.x2[k] != p.x2[k - 1]) out << "\n";  // the end of a scan line
        out << heat_map_number(p.x1[k]) << " " << heat_map_number(p.x2[k]) << " " << heat_map_number(p.value[k]) << "\n";
      }
      out << "\n\n";
      at.first = next++;
    }
    if (!p.points_x1.empty()) {
      out << "# points: " << p.title << "\n";
      for (std::size_t k = 0; k < p.points_x1.size(); ++k)
        out << heat_map_number(p.points_x1[k]) << " " << heat_map_number(p.points_x2[k]) << "\n";
      out << "\n\n";
      at.second = next++;
    }
    blocks.push_back(at);
  }
  if (!out) throw std::runtime_error(path.string() + ": cannot write the file");
  return blocks;
}

}  // namespace

bool write_loglog_figure(const std::filesystem::path& dir, const LogLogFigure& figure, bool render) {
  std::filesystem::create_directories(dir);
  const std::string dat = figure.name + ".dat", gp = figure.name + ".gp";
  {
    std::ofstream out(dir / dat);
    for (const Series& s : figure.series) {
      if (s.x.size() != s.y.size()) throw std::runtime_error("figure " + figure.name + ": series " + s.label +
                                                             " has x and y of unequal length");
      out << "# " << s.label << "\n";
      for (std::size_t k = 0; k < s.x.size(); ++k) out << format_shortest(s.x[k]) << " " << format_shortest(s.y[k]) << "\n";
      out << "\n\n";  // two blank lines end a gnuplot data block (selected with `index`)
    }
    if (!out) throw std::runtime_error((dir / dat).string() + ": cannot write the file");
  }
  {
    std::ofstream out(dir / gp);
    out << "# " << figure.title << " (data: " << dat << "); render with: gnuplot " << gp << "\n"
        << "set logscale xy\nset grid\nset key bottom left\nset format y '%.0e'\n"
        << "set title " << quoted(figure.title) << "\nset xlabel " << quoted(figure.x_label) << "\nset ylabel "
        << quoted(figure.y_label) << "\n";
    std::string plot = "plot ";
    for (std::size_t k = 0; k < figure.series.size(); ++k) {
      const Series& s = figure.series[k];
      plot += (k ? ", " : "") + quoted(dat) + " index " + std::to_string(k) + " using 1:2 with " +
              (s.with_points ? "linespoints pt 7" : "lines dt 2") + " title " + quoted(s.label);
    }
    for (const char* terminal : {"pngcairo noenhanced size 800,600", "svg noenhanced size 800,600"}) {
      const std::string extension = std::string(terminal).rfind("png", 0) == 0 ? ".png" : ".svg";
      out << "set terminal " << terminal << "\nset output " << quoted(figure.name + extension) << "\n" << plot << "\n";
    }
    out << "unset output\n";
    if (!out) throw std::runtime_error((dir / gp).string() + ": cannot write the file");
  }
  return render_script(dir, gp, figure.name + ".png", render);
}

namespace {

/// The three outputs of a Plot and how each writes its text: PNG and SVG for the report's pages, a PDF for papers
/// (gnuplot's enhanced text, no title), and cairolatex's pair name-latex.tex + name-latex.pdf whose text LaTeX sets.
enum class Output { page, pdf, latex };

/// Paper figures: one column of a two-column article.
constexpr const char* kPaperSize = "size 3.4in,2.6in";
/// The report's images: wide enough for the page's column, with fonts that read at that width.
constexpr const char* kPageSize = "size 1000,650 font ',14'";
/// Fraction of the plot added on each side of the data (gnuplot's `set offsets graph`): the markers at the ends are
/// not cut by the border, and no axis is stretched to the next power of ten.
constexpr double kRangeMargin = 0.03;

/// The least and largest positive values of the x or the y columns of the plot (y_high included).
std::pair<double, double> positive_range(const Plot& plot, bool x_axis) {
  double lo = INFINITY, hi = 0.0;
  for (const PlotSeries& s : plot.series)
    for (const auto* column : x_axis ? std::vector{&s.x} : std::vector{&s.y, &s.y_high})
      for (double v : *column)
        if (v > 0.0 && std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  return {lo, hi};
}

/// Whether an axis is logarithmic and holds at least two powers of ten (then its ticks are 10^k).
bool spans_decades(const Plot& plot, bool x_axis) {
  const auto [lo, hi] = positive_range(plot, x_axis);
  return (x_axis ? plot.log_x : plot.log_y) && lo <= hi && std::floor(std::log10(hi)) - std::ceil(std::log10(lo)) >= 1.0;
}

/// The tick format of an axis: 10^k where it spans decades, else %g.
std::string tick_format(const Plot& plot, bool x_axis, Output out) {
  const bool decades = spans_decades(plot, x_axis);
  if (out == Output::latex) return decades ? "'$10^{%L}$'" : "'$%g$'";
  return decades ? "'10^{%L}'" : "'%g'";
}

/// The ticks of a logarithmic axis with fewer than two powers of ten in its range, where gnuplot's ticks (at powers of
/// ten only) would leave it with one label or none: the values 1, 2, 5 times 10^k in the range, or 1 to 9 times 10^k
/// where that gives fewer than two. Empty for other axes (gnuplot's own ticks).
std::string narrow_log_ticks(const Plot& plot, bool x_axis) {
  const auto [lo, hi] = positive_range(plot, x_axis);
  if (!(x_axis ? plot.log_x : plot.log_y) || !(lo <= hi) || spans_decades(plot, x_axis)) return "";
  std::vector<double> ticks;
  for (const std::vector<int>& mantissas : {std::vector<int>{1, 2, 5}, std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
    ticks.clear();
    for (int k = static_cast<int>(std::floor(std::log10(lo))); k <= static_cast<int>(std::ceil(std::log10(hi))); ++k)
      for (int m : mantissas)
        if (const double v = m * std::pow(10.0, k); v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push_back(v);
    if (ticks.size() >= 2) break;
  }
  std::string list;
  for (double v : ticks) list += (list.empty() ? "" : ", ") + format_significant(v, 3);
  return list.empty() ? "" : std::string("set ") + (x_axis ? "x" : "y") + "tics (" + list + ")\n";
}

/// A series title for the output: LaTeX text for cairolatex, printed as written (noenhanced) otherwise. The paper
/// figures leave the details of a series (labels that start with two spaces) out of their small legends.
std::string series_title(const std::string& label, Output out) {
  if (label.empty() || (out != Output::page && label.rfind("  ", 0) == 0)) return "notitle";
  return out == Output::latex ? "title " + quoted(latex_text(label)) : "title " + quoted(label) + " noenhanced";
}

/// The settings of one output: axis labels and tick formats, the legend, the title (pages only).
std::string plot_settings(const Plot& plot, Output out) {
  const bool latex = out == Output::latex;
  const std::string x_label = latex ? (plot.x_label_latex.empty() ? latex_text(plot.x_label) : plot.x_label_latex)
                                    : plot.x_label;
  const std::string y_label = latex ? (plot.y_label_latex.empty() ? latex_text(plot.y_label) : plot.y_label_latex)
                                    : plot.y_label;
  std::string s = "set xlabel " + quoted(x_label) + "\nset ylabel " + quoted(y_label) + "\nset format x " +
                  tick_format(plot, true, out) + "\nset format y " + tick_format(plot, false, out) + "\n";
  // A legend of long labels goes below the plot, which would otherwise be squeezed to a sliver at its left; paper
  // figures always have it below, one column wide.
  std::size_t longest = 0;
  for (const PlotSeries& series : plot.series) longest = std::max(longest, series.label.size());
  // The key's font: the terminal's in the paper figures (cairolatex: the document's), smaller than the axes' on pages.
  if (out != Output::page) s += "unset title\nset key outside below left Left reverse font ''\n";
  else
    s += std::string("set title ") + quoted(plot.title) + " noenhanced\n" +
         (longest > kLongLegendLabel ? "set key outside below left Left reverse font ',11'\n"
                                     : "set key outside right top font ',11'\n");
  return s;
}

/// The plot command of one output.
std::string plot_command(const Plot& plot, const std::string& dat, Output out) {
  std::string command = "plot ";
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    const PlotSeries& s = plot.series[k];
    std::string how;
    switch (s.style) {
      case Style::points_lines: how = "using 1:2 with linespoints pt 7"; break;
      case Style::points: how = "using 1:2 with points pt 6 ps 2.5 lw 2"; break;
      case Style::line: how = "using 1:2 with lines lw 2"; break;
      case Style::dashed:
        how = std::string("using 1:2 with lines dt 2") + (s.color > 0 || !s.rgb.empty() ? " lw 2" : " lc rgb 'gray40'");
        break;
      case Style::band: how = "using 1:2:3 with filledcurves"; break;
      case Style::error_bars: how = "using 1:2:2:3 with yerrorbars ps 0"; break;  // x, y, ylow = y, yhigh
    }
    if (!s.rgb.empty()) how += " lc rgb '" + s.rgb + "'";
    else if (s.color > 0) how += " lc " + std::to_string(s.color);
    if (out != Output::page && s.style == Style::points_lines) how += " ps 0.6";
    command += (k ? ", " : "") + quoted(dat) + " index " + std::to_string(k) + " " + how + " " +
               series_title(s.label, out);
  }
  return command + "\n";
}

}  // namespace

std::string time_ramp_colour(std::size_t k, std::size_t n) {
  if (k >= n)
    throw std::invalid_argument("time_ramp_colour: snapshot " + std::to_string(k) + " of " + std::to_string(n));
  // Stops of the ramp (viridis' hues without its lightest yellow, which vanishes on white), evenly spaced in [0, 1].
  static constexpr int kStops[][3] = {{0x9f, 0xc8, 0x2b}, {0x35, 0xb7, 0x79}, {0x31, 0x68, 0x8e}, {0x44, 0x01, 0x54}};
  constexpr std::size_t kLast = std::size(kStops) - 1;
  const double s = n > 1 ? double(k) / double(n - 1) * kLast : double(kLast);
  const std::size_t i = std::min(static_cast<std::size_t>(s), kLast - 1);
  const double f = s - double(i);
  std::string hex = "#";
  for (int c = 0; c < 3; ++c) {
    char byte[3];
    const double level = kStops[i][c] + f * (kStops[i + 1][c] - kStops[i][c]);
    std::snprintf(byte, sizeof byte, "%02x", static_cast<int>(std::lround(level)));
    hex += byte;
  }
  return hex;
}

bool write_plot(const std::filesystem::path& dir, const Plot& plot, bool render, bool paper) {
  std::filesystem::create_directories(dir);
  const std::string dat = plot.name + ".dat", gp = plot.name + ".gp";
  {
    std::ofstream out(dir / dat);
    for (const PlotSeries& s : plot.series) {
      const bool band = s.style == Style::band || s.style == Style::error_bars;
      if (s.x.size() != s.y.size() || (band && s.y_high.size() != s.x.size()))
        throw std::runtime_error("figure " + plot.name + ": series " + s.label + " has columns of unequal length");
      out << "# " << s.label << "\n";
      for (std::size_t k = 0; k < s.x.size(); ++k) {
        out << format_shortest(s.x[k]) << " " << format_shortest(s.y[k]);
        if (band) out << " " << format_shortest(s.y_high[k]);
        out << "\n";
      }
      out << "\n\n";  // two blank lines end a gnuplot data block (selected with `index`)
    }
    if (!out) throw std::runtime_error((dir / dat).string() + ": cannot write the file");
  }
  {
    std::ofstream out(dir / gp);
    out << "# " << plot.title << " (data: " << dat << "); render with: gnuplot " << gp << "\n";
    if (plot.log_x) out << "set logscale x\n";
    if (plot.log_y) out << "set logscale y\n";
    const std::string margin = "graph " + format_shortest(kRangeMargin);
    out << narrow_log_ticks(plot, true) << narrow_log_ticks(plot, false)
        << "set grid\nset style fill transparent solid 0.25 noborder\n"
        << "set autoscale fix\nset offsets " << margin << ", " << margin << ", " << margin << ", " << margin << "\n";
    std::vector<std::tuple<std::string, std::string, Output>> terminals = {
        {std::string("pngcairo enhanced ") + kPageSize, ".png", Output::page},
        {std::string("svg enhanced ") + kPageSize, ".svg", Output::page}};
    if (paper) {
      terminals.emplace_back(std::string("pdfcairo enhanced font ',9' ") + kPaperSize, ".pdf", Output::pdf);
      terminals.emplace_back(std::string("cairolatex pdf ") + kPaperSize, "-latex.tex", Output::latex);
    }
    for (const auto& [terminal, extension, output] : terminals)
      out << "set terminal " << terminal << "\nset output " << quoted(plot.name + extension) << "\n"
          << plot_settings(plot, output) << plot_command(plot, dat, output);
    out << "unset output\n";
    if (!out) throw std::runtime_error((dir / gp).string() + ": cannot write the file");
  }
  return render_script(dir, gp, plot.name + ".png", render);
}

bool write_heat_maps(const std::filesystem::path& dir, const HeatMapFigure& figure, bool render, bool pdf) {
  if (figure.columns == 0) throw std::runtime_error("figure " + figure.name + ": columns = 0: must be >= 1");
  std::filesystem::create_directories(dir);
  const std::string dat = figure.name + ".dat", gp = figure.name + ".gp";
  const std::vector<std::pair<int, int>> blocks = write_heat_map_data(dir / dat, figure);
  // One box for all panels: the extent of every map and every point.
  double lo1 = INFINITY, hi1 = -INFINITY, lo2 = INFINITY, hi2 = -INFINITY;
  for (const HeatMapPanel& p : figure.panels) {
    for (const auto& [x1, x2] : {std::pair{&p.x1, &p.x2}, std::pair{&p.points_x1, &p.points_x2}})
      for (std::size_t k = 0; k < x1->size(); ++k)
        lo1 = std::min(lo1, (*x1)[k]), hi1 = std::max(hi1, (*x1)[k]), lo2 = std::min(lo2, (*x2)[k]),
        hi2 = std::max(hi2, (*x2)[k]);
  }
  // The panels, drawn once per terminal: a panel with nothing to draw leaves its place empty.
  std::string panels;
  for (std::size_t k = 0; k < figure.panels.size(); ++k) {
    const HeatMapPanel& p = figure.panels[k];
    const auto [map, points] = blocks[k];
    if (map < 0 && points < 0) {
      if (!figure.animation) panels += "set multiplot next\n";
      continue;
    }
    panels += "set title " + quoted(p.title) + "\n" + palette_commands(p) + (map < 0 ? "unset" : "set") + " colorbox\n";
    std::string plot = "plot ";
    if (map >= 0) plot += quoted(dat) + " index " + std::to_string(map) + " using 1:2:3 with image notitle";
    if (points >= 0)
      plot += std::string(map >= 0 ? ", " : "") + quoted(dat) + " index " + std::to_string(points) +
              " using 1:2 with points pt 7 ps " + format_shortest(figure.point_size) + " lc rgb '#d62728' notitle";
    panels += plot + "\n";
  }
  const std::size_t rows = (figure.panels.size() + figure.columns - 1) / figure.columns;
  const int width = kPanelWidth * static_cast<int>(figure.columns);
  const int height = kPanelHeight * static_cast<int>(rows) + kTitleHeight;
  std::ofstream out(dir / gp);
  out << "# " << figure.title << " (data: " << dat << "); render with: gnuplot " << gp << "\n"
      << "set size ratio -1\nunset key\nset tics out font ',8'\nset cbtics font ',8'\nset title font ',10'\n"
      << "set xlabel " << quoted(figure.x_label) << "\nset ylabel " << quoted(figure.y_label) << "\n";
  if (lo1 < hi1 && lo2 < hi2)
    out << "set xrange [" << format_shortest(lo1) << ":" << format_shortest(hi1) << "]\nset yrange ["
        << format_shortest(lo2) << ":" << format_shortest(hi2) << "]\n";
  const std::string size = " size " + std::to_string(width) + "," + std::to_string(height);
  char inches[64];
  std::snprintf(inches, sizeof inches, " size %.2fin,%.2fin", width / kPdfPixelsPerInch, height / kPdfPixelsPerInch);
  std::vector<std::pair<std::string, std::string>> terminals = {{"pngcairo noenhanced" + size, ".png"},
                                                                {"svg noenhanced" + size, ".svg"}};
  if (pdf) terminals.emplace_back("pdfcairo noenhanced" + std::string(inches), ".pdf");
  if (figure.animation) {
    // Each plot command is a frame; the frames share the box and the size of one panel.
    out << "set terminal gif animate delay " << kFrameDelay << " loop 0 size " << kPanelWidth << "," << kPanelHeight
        << "\nset output " << quoted(figure.name + ".gif") << "\n" << panels;
    terminals.clear();
  }
  // The paper's PDF has no title over its panels (the caption says what they show), as the paper curves have none.
  for (const auto& [terminal, extension] : terminals)
    out << "set terminal " << terminal << "\nset output " << quoted(figure.name + extension) << "\nset multiplot layout "
        << rows << "," << figure.columns << (extension == ".pdf" ? "" : " title " + quoted(figure.title)) << "\n"
        << panels << "unset multiplot\n";
  out << "unset output\n";
  out.close();  // the whole script on disk before gnuplot reads it
  if (!out) throw std::runtime_error((dir / gp).string() + ": cannot write the file");
  return render_script(dir, gp, figure.name + (figure.animation ? ".gif" : ".png"), render);
}

}  // namespace blobflow::reports
