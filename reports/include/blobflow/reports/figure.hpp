// Figures for reports, kept as a data file plus a gnuplot script (name.dat + name.gp) so that anyone can restyle
// and re-render them, and rendered to PNG and SVG with gnuplot (through gnuplot-iostream) when gnuplot is there.
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

}  // namespace blobflow::reports
