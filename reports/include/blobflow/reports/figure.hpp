// Figures for reports, kept as a data file plus a gnuplot script (name.dat + name.gp) so that anyone can restyle
// and re-render them, and rendered to PNG and SVG with gnuplot (through gnuplot-iostream) when gnuplot is there:
// curves (LogLogFigure, Plot) and panels of heat maps with points on top (HeatMapFigure).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace blobflow::reports {

/// One curve: points (x_k, y_k), drawn with points and lines, or as a plain line.
struct Series {
  std::string label;
  std::vector<double> x, y;
  bool with_points = true;
};

/// A figure on logarithmic axes (error against N, against eps, against dt ...).
struct LogLogFigure {
  std::string name;     ///< file stem: name.dat, name.gp, name.png, name.svg
  std::string title;
  std::string x_label, y_label;
  std::vector<Series> series;
};

/// Writes dir/name.dat (one gnuplot data block per series) and dir/name.gp (renders name.png and name.svg next to
/// it), then runs gnuplot on the script when `render` is true and gnuplot is installed. Returns whether the images
/// were rendered. \throws std::runtime_error when a file cannot be written or a series has x, y of unequal length.
bool write_loglog_figure(const std::filesystem::path& dir, const LogLogFigure& figure, bool render = true);

/// How a curve of a Plot is drawn.
enum class Style {
  points_lines,  ///< markers joined by lines (measured data)
  points,        ///< markers only (e.g. a best point marked on a curve)
  line,          ///< a solid line (a fitted law)
  dashed,        ///< a dashed line (reference slopes, guides): grey, or in `color` when one is given
  band,          ///< a shaded band between y and y_high (a confidence band)
  error_bars,    ///< vertical bars from y to y_high at each x, no markers (the spread of replicates)
};

/// One curve of a Plot; `y_high` only for bands and error bars. A label that starts with two spaces is a detail of
/// the series above it (its fit, band or guide): the report's images list it under that series, the paper figures
/// leave it out of their legend (their captions say what it is).
struct PlotSeries {
  std::string label;
  std::vector<double> x, y, y_high;
  Style style = Style::points_lines;
  int color = 0;  ///< gnuplot line type for the colour (a group's data, fit and band share one); 0: next in turn
  std::string rgb{};  ///< an explicit colour "#rrggbb" (a ramp over time, time_ramp_colour) that replaces `color`
};

/// The colour of snapshot k of n on a ramp from light yellow-green (the first) through green and blue to dark purple
/// (the last), as "#rrggbb": curves at successive times that overlap stay ordered by their shade. Every shade is dark
/// enough to read on white. \throws std::invalid_argument when k >= n.
std::string time_ramp_colour(std::size_t k, std::size_t n);

/// A figure with linear or logarithmic axes (the general form of LogLogFigure). Axis labels are gnuplot enhanced
/// text (W_2, ε); series labels are printed as written.
struct Plot {
  std::string name;  ///< file stem: name.dat, name.gp, name.png, name.svg
  std::string title;  ///< shown on the report's images, not on the paper figures
  std::string x_label, y_label;
  bool log_x = true, log_y = true;
  std::vector<PlotSeries> series;
  /// The axis labels of the cairolatex figure (LaTeX, e.g. "$W_2$"); empty: x_label, y_label as LaTeX text.
  std::string x_label_latex, y_label_latex;
};

/// Writes dir/name.dat and dir/name.gp for a Plot and renders PNG and SVG as write_loglog_figure does. Axes are
/// tight to the data (a margin of a few percent, never padded to the next power of ten); a logarithmic axis that
/// holds two powers of ten has ticks 10^k. With `paper` also the paper figures: name.pdf (pdfcairo, 3.4 x 2.6
/// inches, no title, the legend below) and name-latex.tex with name-latex.pdf (cairolatex: LaTeX sets the labels;
/// \input the .tex). Returns whether the PNG was rendered. \throws std::runtime_error when a file cannot be written
/// or a series' columns have unequal lengths.
bool write_plot(const std::filesystem::path& dir, const Plot& plot, bool render = true, bool paper = false);

/// How the values of a heat map are coloured.
enum class Palette {
  sequential,  ///< white at the low end to dark blue at the high end (densities: white where there is no mass)
  diverging,   ///< blue below 0, white at 0, red above (differences; give it a range symmetric about 0)
};

/// One panel of a HeatMapFigure: a map of values on a regular grid and points drawn on top, either may be empty.
struct HeatMapPanel {
  std::string title;
  std::vector<double> x1, x2, value;            ///< the map, one entry per grid point, x1 varying fastest
  std::vector<double> points_x1, points_x2;     ///< drawn as small red dots over the map (particles)
  Palette palette = Palette::sequential;
  double low = 0.0, high = 1.0;                 ///< the colour range; panels that are compared share it
};

/// Heat maps side by side (gnuplot `with image`, equal scales on both axes, all panels over one box), in rows of
/// `columns` panels, each with its colour box.
struct HeatMapFigure {
  std::string name;  ///< file stem: name.dat, name.gp, name.png, name.svg
  std::string title;
  std::string x_label, y_label;
  std::size_t columns = 1;
  std::vector<HeatMapPanel> panels;
  /// gnuplot's point size of the points (many particles: small dots; a few agents: larger ones).
  double point_size = 0.2;
  /// Render name.gif, an animation with one panel per frame (gnuplot's gif terminal), instead of the images.
  bool animation = false;
};

/// Writes dir/name.dat (per panel a block of the map, its scan lines separated by blank lines, then a block of the
/// points; empty parts are left out) and dir/name.gp (a multiplot that renders name.png and name.svg, and name.pdf
/// with `pdf`), then renders as write_plot does; an animation renders name.gif only. Returns whether the PNG (the
/// GIF) was rendered.
/// \throws std::runtime_error when a file cannot be written, a panel's columns have unequal lengths, its colour
/// range is empty (low >= high) or columns is 0.
bool write_heat_maps(const std::filesystem::path& dir, const HeatMapFigure& figure, bool render = true,
                     bool pdf = false);

}  // namespace blobflow::reports
