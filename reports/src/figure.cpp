// Log-log figures as .dat + .gp pairs, rendered by gnuplot through gnuplot-iostream (see figure.hpp).
#include "blobflow/reports/figure.hpp"

#include "blobflow/reports/table.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <gnuplot-iostream.h>

namespace blobflow::reports {
namespace {

/// Quotes a string for a gnuplot script (single quotes; a single quote is doubled).
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
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
  if (!render || std::system("command -v gnuplot >/dev/null 2>&1") != 0) return false;
  {
    // gnuplot-iostream opens a pipe to gnuplot; closing it (end of scope) lets gnuplot finish and exit.
    Gnuplot gnuplot("gnuplot");
    gnuplot << "cd " << quoted(dir.string()) << "\nload " << quoted(gp) << "\n";
  }
  return std::filesystem::exists(dir / (figure.name + ".png"));
}

bool write_plot(const std::filesystem::path& dir, const Plot& plot, bool render, bool pdf) {
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
    if (plot.log_y) out << "set logscale y\nset format y '%.0e'\n";
    out << "set grid\nset key outside right top font ',10'\nset style fill transparent solid 0.25 noborder\n"
        << "set title " << quoted(plot.title) << "\nset xlabel " << quoted(plot.x_label) << "\nset ylabel "
        << quoted(plot.y_label) << "\n";
    std::string command = "plot ";
    for (std::size_t k = 0; k < plot.series.size(); ++k) {
      const PlotSeries& s = plot.series[k];
      std::string how;
      switch (s.style) {
        case Style::points_lines: how = "using 1:2 with linespoints pt 7"; break;
        case Style::points: how = "using 1:2 with points pt 6 ps 2.5 lw 2"; break;
        case Style::line: how = "using 1:2 with lines lw 2"; break;
        case Style::dashed: how = std::string("using 1:2 with lines dt 2") + (s.color > 0 ? " lw 2" : " lc rgb 'gray40'"); break;
        case Style::band: how = "using 1:2:3 with filledcurves"; break;
        case Style::error_bars: how = "using 1:2:2:3 with yerrorbars ps 0"; break;  // x, y, ylow = y, yhigh
      }
      if (s.color > 0) how += " lc " + std::to_string(s.color);
      command += (k ? ", " : "") + quoted(dat) + " index " + std::to_string(k) + " " + how + " title " +
                 quoted(s.label);
    }
    std::vector<std::pair<std::string, std::string>> terminals = {{"pngcairo noenhanced size 1000,650", ".png"},
                                                                  {"svg noenhanced size 1000,650", ".svg"}};
    if (pdf) terminals.emplace_back("pdfcairo noenhanced size 7in,4.5in", ".pdf");
    for (const auto& [terminal, extension] : terminals)
      out << "set terminal " << terminal << "\nset output " << quoted(plot.name + extension) << "\n" << command << "\n";
    out << "unset output\n";
    if (!out) throw std::runtime_error((dir / gp).string() + ": cannot write the file");
  }
  if (!render || std::system("command -v gnuplot >/dev/null 2>&1") != 0) return false;
  {
    Gnuplot gnuplot("gnuplot");
    gnuplot << "cd " << quoted(dir.string()) << "\nload " << quoted(gp) << "\n";
  }
  return std::filesystem::exists(dir / (plot.name + ".png"));
}

}  // namespace blobflow::reports
