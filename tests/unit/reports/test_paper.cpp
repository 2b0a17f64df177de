// Paper-ready output (quantity.hpp, figure.hpp's paper mode, study_report.hpp's rates.tex): declared symbols and
// their LaTeX, one booktabs table per fit with caption and label, the word "order" with its sign, captions that name
// a fit once, slope triangles with the reference slope, tight ranges and 10^k ticks, and the paper terminals.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "blobflow/reports/figure.hpp"
#include "blobflow/reports/fit_spec.hpp"
#include "blobflow/reports/quantity.hpp"
#include "blobflow/reports/study_report.hpp"
#include "test_files.hpp"

namespace blobflow::reports {
namespace {

using nlohmann::json;
using test::read;

/// Orders of exact power laws are recovered to round-off of the logarithms.
constexpr double kExactOrder = 1e-9;

TEST(Quantity, MetricsAndAxesHaveTheirDeclaredSymbols) {
  EXPECT_EQ(quantity("w2").latex, "W_2");
  EXPECT_EQ(quantity("w2").gnuplot, "W_2");
  EXPECT_EQ(quantity("discretization.particles").plain, "N");
  EXPECT_EQ(quantity("discretization.epsilon").latex, "\\varepsilon");
  EXPECT_EQ(quantity("energy_error").latex, "|E_\\varepsilon - E|");
  EXPECT_EQ(axis_label_plain(quantity("wall_seconds")), "wall time [s]");
  EXPECT_EQ(error_quantity("energy", true).latex, "|E_\\varepsilon - E_\\varepsilon^{\\mathrm{ref}}|");
  const Quantity unknown = quantity("my_metric");
  EXPECT_FALSE(unknown.declared);
  EXPECT_EQ(unknown.plain, "my_metric");
  EXPECT_EQ(unknown.latex, "\\texttt{my\\_metric}");
}

TEST(Quantity, LatexTextEscapesSpecialCharactersAndSpellsOutGreekLetters) {
  EXPECT_EQ(latex_text("a_b & 50% {x} #1 $"), "a\\_b \\& 50\\% \\{x\\} \\#1 \\$");
  EXPECT_EQ(latex_text("|x| < y"), "\\textbar{}x\\textbar{} \\textless{} y");
  EXPECT_EQ(latex_text("ε = 0.1, Δt"), "\\ensuremath{\\varepsilon} = 0.1, \\ensuremath{\\Delta}t");
  EXPECT_EQ(latex_text("W2 to ρ̄ − ρ"), "W2 to \\ensuremath{\\bar\\rho} \\ensuremath{-} \\ensuremath{\\rho}");
}

/// A Plot over x in [lo, hi] (log-log) with one series y = x.
Plot line_over(double lo, double hi) {
  Plot plot;
  plot.name = "p";
  plot.title = "title";
  plot.x_label = "ε";
  plot.y_label = "W_2";
  plot.x_label_latex = "$\\varepsilon$";
  plot.series.push_back(
      {"series_1", {lo, std::sqrt(lo * hi), hi}, {lo, std::sqrt(lo * hi), hi}, {}, Style::points_lines, 0});
  return plot;
}

TEST(PaperFigure, AxesAreTightWithTicksThatLabelEveryRange) {
  const auto dir = test::fresh_dir("paper", "ticks");
  EXPECT_FALSE(write_plot(dir, line_over(1e-6, 1e-2), /*render=*/false));
  std::string gp = read(dir / "p.gp");
  for (const std::string line : {"set autoscale fix\n", "set offsets graph 0.03, graph 0.03, graph 0.03, graph 0.03\n",
                                 "set format x '10^{%L}'\n", "set xlabel 'ε'\n", "set ylabel 'W_2'\n",
                                 "title 'series_1' noenhanced", "set title 'title' noenhanced\n"})
    EXPECT_NE(gp.find(line), std::string::npos) << line << "\n" << gp;
  EXPECT_EQ(gp.find("set terminal pdfcairo"), std::string::npos) << "no paper figures unless asked";
  // eps over 0.02..0.16, less than a decade: ticks at 2 and 5 times powers of ten instead of none.
  EXPECT_FALSE(write_plot(dir, line_over(0.02, 0.16), false));
  gp = read(dir / "p.gp");
  EXPECT_NE(gp.find("set xtics (0.02, 0.05, 0.1)\n"), std::string::npos) << gp;
  EXPECT_NE(gp.find("set format x '%g'\n"), std::string::npos) << gp;
}

TEST(PaperFigure, PaperModeAddsAPdfAndACairolatexFigureWithoutTitleAndWithLatexLabels) {
  const auto dir = test::fresh_dir("paper", "terminals");
  Plot plot = line_over(1e-6, 1e-2);
  plot.series.push_back({"  fit: order 1.00", {1e-6, 1e-2}, {1e-6, 1e-2}, {}, Style::line, 0});
  EXPECT_FALSE(write_plot(dir, plot, /*render=*/false, /*paper=*/true));
  const std::string gp = read(dir / "p.gp");
  const std::size_t pdf = gp.find("set terminal pdfcairo"), latex = gp.find("set terminal cairolatex pdf");
  ASSERT_NE(pdf, std::string::npos) << gp;
  ASSERT_NE(latex, std::string::npos) << gp;
  const std::string paper = gp.substr(pdf);
  for (const std::string line : {"set output 'p.pdf'\n", "set output 'p-latex.tex'\n", "unset title\n",
                                 "set xlabel '$\\varepsilon$'\n", "set ylabel 'W\\_2'\n", "set format x '$10^{%L}$'\n",
                                 "title 'series\\_1'"})
    EXPECT_NE(paper.find(line), std::string::npos) << line << "\n" << paper;
  EXPECT_EQ(paper.find("\nset title"), std::string::npos) << paper;
  EXPECT_EQ(paper.find("fit: order"), std::string::npos) << "details stay out of the paper legend\n" << paper;
  EXPECT_NE(gp.substr(0, pdf).find("title '  fit: order 1.00' noenhanced"), std::string::npos) << gp;
}

/// A run record of a rate fit: mollifier m, N particles, W2 = c N^p at t_final = 1.
json rate_record(const std::string& m, int n, double c, double p) {
  json summary;
  summary["config"]["problem"]["t_final"] = 1.0;
  summary["resolved"] = {{"particles", n}, {"epsilon", 0.1}};
  summary["metrics"] = {{"wall_seconds", 0.01 * n}, {"outputs", {{{"t", 1.0}, {"w2", c * std::pow(n, p)}}}}};
  const std::string id = "n-" + m + "-" + std::to_string(n);
  return {{"id", id},
          {"sweep", "n"},
          {"coords", {{"discretization.mollifier", m}, {"discretization.particles", n}}},
          {"config_hash", "h" + id},
          {"status", "ok"},
          {"summary", summary}};
}

/// A study of two groups: a with W2 = 0.5 / N at N = 100..800, b with W2 = 2 / N^2 at N = 100..400.
std::filesystem::path two_group_study(const std::string& name, const FitSpec& fit) {
  const auto dir = test::fresh_dir("paper", name);
  json runs = json::array();
  std::string jsonl;
  for (const auto& [m, c, p, last] : {std::tuple{"a", 0.5, -1.0, 800}, std::tuple{"b", 2.0, -2.0, 400}})
    for (int n = 100; n <= last; n *= 2) {
      const json r = rate_record(m, n, c, p);
      runs.push_back({{"id", r["id"]}, {"config_hash", r["config_hash"]}});
      jsonl += r.dump() + "\n";
    }
  std::ofstream(dir / "study.json") << json{{"name", "orders"}, {"runs", runs}, {"fits", {fit}}}.dump();
  std::ofstream(dir / "runs.jsonl") << jsonl;
  return dir;
}

FitSpec w2_fit() {
  FitSpec fit;
  fit.name = "w2-vs-N";
  fit.sweeps = {"n"};
  fit.metric = "w2";
  fit.group_by = {"discretization.mollifier"};
  fit.reference_slopes = {-1.0, -2.0};
  return fit;
}

TEST(PaperTables, RatesTexHoldsOneBooktabsTablePerFitWithTheGroupsSideBySide) {
  const auto dir = two_group_study("tex", w2_fit());
  const StudyReport report = build_study_report(dir, {false, false});
  ASSERT_EQ(report.fits.size(), 2u);
  EXPECT_NEAR(report.fits[0].slope, -1.0, kExactOrder);
  EXPECT_NEAR(report.fits[1].slope, -2.0, kExactOrder);
  EXPECT_EQ(report.fits[0].line.rfind("fitted order -1.000 (W2 ≈ C N^-1.00; 95% CI", 0), 0u) << report.fits[0].line;
  const std::string tex = read(dir / "rates.tex");
  std::size_t tables = 0;
  for (std::size_t at = tex.find("\\begin{table}"); at != std::string::npos; at = tex.find("\\begin{table}", at + 1))
    ++tables;
  EXPECT_EQ(tables, 1u) << tex;
  for (const std::string piece :
       {"\\caption{$W_2$ at $t = t_{\\mathrm{final}}$ against $N$", "$p < 0$: the error falls as $N$ grows",
        "\\label{tab:w2-vs-N}", "\\toprule\n", "\\midrule\n", "\\bottomrule\n",
        "\\begin{tabular}{D{.}{.}{-1} D{.}{.}{-1} D{.}{.}{2} D{.}{.}{-1} D{.}{.}{2}}",
        " & \\multicolumn{2}{c}{mollifier = a} & \\multicolumn{2}{c}{mollifier = b} \\\\\n",
        "\\multicolumn{1}{c}{$N$} & \\multicolumn{1}{c}{$W_2$} & \\multicolumn{1}{c}{order}",
        "100 & 5.00\\cdot 10^{-3} & \\multicolumn{1}{c}{--} & 2.00\\cdot 10^{-4} & \\multicolumn{1}{c}{--} \\\\\n",
        "200 & 2.50\\cdot 10^{-3} & -1.00 & 5.00\\cdot 10^{-5} & -2.00 \\\\\n",
        "800 & 6.25\\cdot 10^{-4} & -1.00 & &  \\\\\n",  // b has no run at N = 800: empty cells
        "& \\multicolumn{2}{c}{$-1.00$ $[-1.00, -1.00]$} & \\multicolumn{2}{c}{$-2.00$ $[-2.00, -2.00]$}"})
    EXPECT_NE(tex.find(piece), std::string::npos) << piece << "\n" << tex;
  EXPECT_EQ(tex.find("\\hline"), std::string::npos) << tex;
  const std::string md = read(dir / "rates.md");
  EXPECT_NE(md.find("| N | W2 (mollifier = a) | order (mollifier = a) | W2 (mollifier = b) | order (mollifier = b) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("order p: the exponent of W2 ≈ C N^p (the slope in log-log); p < 0: the error falls as N grows"),
            std::string::npos)
      << md;
  for (const std::string& page : {read(dir / "report.md"), read(dir / "index.html")}) {
    EXPECT_NE(page.find("Figure w2-vs-N: W2 at t_final against N; markers"), std::string::npos) << page;
    EXPECT_EQ(page.find("w2-vs-N: w2-vs-N"), std::string::npos) << page;
    EXPECT_EQ(page.find("pairwise rate"), std::string::npos) << page;
    EXPECT_EQ(page.find("fitted slope"), std::string::npos) << page;
  }
}

/// The blocks of a .dat file by their label line ("# label").
std::map<std::string, std::vector<std::pair<double, double>>> dat_blocks(const std::filesystem::path& dat) {
  std::map<std::string, std::vector<std::pair<double, double>>> blocks;
  std::istringstream in(read(dat));
  std::string line, label;
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0) label = line.substr(2);
    else if (!line.empty()) {
      std::istringstream cells(line);
      double x = 0, y = 0;
      cells >> x >> y;
      blocks[label].emplace_back(x, y);
    }
  }
  return blocks;
}

TEST(PaperFigure, EachGroupGetsTheSlopeTriangleOfTheReferenceOrderNearestItsFit) {
  FitSpec fit = w2_fit();
  fit.x_label = "particles N";
  const auto dir = two_group_study("triangles", fit);
  build_study_report(dir, {false, true});
  const auto blocks = dat_blocks(dir / "figures" / "w2-vs-N.dat");
  // Both groups have a triangle: group a (order -1) the reference order -1, group b (order -2) the reference -2.
  for (const auto& [label, slope, c, last] :
       {std::tuple{"  reference order -1", -1.0, 0.5, 800.0}, std::tuple{"  reference order -2", -2.0, 2.0, 400.0}}) {
    ASSERT_TRUE(blocks.count(label)) << label;
    const auto& t = blocks.at(label);
    ASSERT_EQ(t.size(), 4u);  // (x0, y0), (x1, y1), the right angle (x0, y1), back to (x0, y0)
    EXPECT_EQ(t[1].first, last);
    EXPECT_NEAR(std::log(t[1].second / t[0].second) / std::log(t[1].first / t[0].first), slope, kExactOrder);
    EXPECT_EQ(t[2], (std::pair{t[0].first, t[1].second}));
    for (const auto& [x, y] : t) EXPECT_LE(y, 0.5 * c * std::pow(x, slope) * (1 + kExactOrder)) << label;
  }
  const std::string gp = read(dir / "figures" / "w2-vs-N.gp");
  for (const std::string line : {"set xlabel 'particles N'\n", "set ylabel 'W_2'\n", "set ylabel '$W_2$'\n",
                                 "set terminal cairolatex pdf", "set format y '10^{%L}'\n"})
    EXPECT_NE(gp.find(line), std::string::npos) << line << "\n" << gp;
}

}  // namespace
}  // namespace blobflow::reports
