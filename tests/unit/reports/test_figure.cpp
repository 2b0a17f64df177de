// Figures are kept as .dat + .gp pairs that gnuplot can render (reports/figure.hpp): curves and heat maps.
#include "blobflow/reports/figure.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <string>
#include <fstream>
#include <sstream>

#include "test_files.hpp"

namespace blobflow::reports {
namespace {

using test::read;

TEST(Figure, WritesOneDataBlockPerSeriesAndAScriptThatPlotsThemAll) {
  const auto dir = std::filesystem::temp_directory_path() / "blobflow-test-figure";
  std::filesystem::remove_all(dir);
  const LogLogFigure figure{"err", "error", "N", "W2",
                            {{"W2", {100, 200}, {0.01, 0.005}, true}, {"slope -1", {100, 200}, {0.01, 0.005}, false}}};
  EXPECT_FALSE(write_loglog_figure(dir, figure, /*render=*/false));
  const std::string dat = read(dir / "err.dat");
  EXPECT_NE(dat.find("# W2\n100 0.01\n200 0.005\n\n\n# slope -1\n"), std::string::npos) << dat;
  const std::string gp = read(dir / "err.gp");
  EXPECT_NE(gp.find("'err.dat' index 0 using 1:2"), std::string::npos) << gp;
  EXPECT_NE(gp.find("'err.dat' index 1 using 1:2"), std::string::npos) << gp;
  EXPECT_NE(gp.find("set output 'err.png'"), std::string::npos);
  EXPECT_NE(gp.find("set output 'err.svg'"), std::string::npos);
}

TEST(Figure, SeriesOfUnequalLengthIsAnError) {
  const auto dir = std::filesystem::temp_directory_path() / "blobflow-test-figure-bad";
  EXPECT_THROW(write_loglog_figure(dir, {"bad", "t", "x", "y", {{"s", {1, 2}, {1}, true}}}, false), std::runtime_error);
}

/// The red, green and blue levels of "#rrggbb".
std::array<int, 3> levels(const std::string& hex) {
  return {std::stoi(hex.substr(1, 2), nullptr, 16), std::stoi(hex.substr(3, 2), nullptr, 16),
          std::stoi(hex.substr(5, 2), nullptr, 16)};
}

TEST(Figure, TimeRampRunsFromLightToDarkAndEveryShadeDiffers) {
  // Five snapshots: the ends are the ramp's ends, and each shade is darker (a lower sum of levels) than the one before.
  EXPECT_EQ(time_ramp_colour(0, 5), "#9fc82b");
  EXPECT_EQ(time_ramp_colour(4, 5), "#440154");
  EXPECT_EQ(time_ramp_colour(0, 1), "#440154");  // a single snapshot takes the darkest shade
  for (std::size_t k = 1; k < 5; ++k) {
    const auto before = levels(time_ramp_colour(k - 1, 5)), now = levels(time_ramp_colour(k, 5));
    EXPECT_LT(now[0] + now[1] + now[2], before[0] + before[1] + before[2]) << k;
  }
  EXPECT_THROW(time_ramp_colour(5, 5), std::invalid_argument);
}

TEST(Figure, AnExplicitColourReplacesTheLineType) {
  const auto dir = std::filesystem::temp_directory_path() / "blobflow-test-figure-rgb";
  std::filesystem::remove_all(dir);
  Plot plot{"shades", "two times", "x", "density", false, false, {}, "", ""};
  plot.series.push_back({"blob, t = 0", {0, 1}, {1, 1}, {}, Style::line, 3, time_ramp_colour(0, 2)});
  plot.series.push_back({"  exact, t = 0", {0, 1}, {1, 1}, {}, Style::dashed, 0, time_ramp_colour(0, 2)});
  EXPECT_FALSE(write_plot(dir, plot, /*render=*/false));
  const std::string gp = read(dir / "shades.gp");
  EXPECT_NE(gp.find("index 0 using 1:2 with lines lw 2 lc rgb '#9fc82b'"), std::string::npos) << gp;
  EXPECT_NE(gp.find("index 1 using 1:2 with lines dt 2 lw 2 lc rgb '#9fc82b'"), std::string::npos) << gp;
  EXPECT_EQ(gp.find(" lc 3"), std::string::npos) << gp;
}

/// Two panels: a map on a 3 x 2 grid with two points over it, and points alone.
HeatMapFigure two_panels() {
  HeatMapPanel map{"t = 0", {0, 1, 2, 0, 1, 2}, {0, 0, 0, 1, 1, 1}, {0, 1, 2, 3, 4, 5}, {0.5, 1.5}, {0.5, 0.5},
                   Palette::sequential, 0.0, 5.0};
  HeatMapPanel points{"t = 1", {}, {}, {}, {0.25}, {0.75}, Palette::diverging, -1.0, 1.0};
  return {"maps", "two panels", "x1", "x2", 2, {map, points}};
}

TEST(HeatMaps, WritesEachPanelsMapAndPointsAsBlocksAndAMultiplotScript) {
  const auto dir = test::fresh_dir("figure", "heat-maps");
  EXPECT_FALSE(write_heat_maps(dir, two_panels(), /*render=*/false));
  const std::string dat = read(dir / "maps.dat");
  // The map's scan lines (x1 fastest) end with a blank line; two blank lines end a block.
  EXPECT_NE(dat.find("# map: t = 0\n0 0 0\n1 0 1\n2 0 2\n\n0 1 3\n1 1 4\n2 1 5\n\n\n"), std::string::npos) << dat;
  EXPECT_NE(dat.find("# points: t = 0\n0.5 0.5\n1.5 0.5\n\n\n# points: t = 1\n0.25 0.75\n"), std::string::npos) << dat;
  const std::string gp = read(dir / "maps.gp");
  for (const std::string line :
       {"set size ratio -1\n", "set multiplot layout 1,2 title 'two panels'\n", "set cbrange [0:5]\n",
        "set cbrange [-1:1]\n", "plot 'maps.dat' index 0 using 1:2:3 with image notitle, 'maps.dat' index 1 using 1:2",
        "unset colorbox\nplot 'maps.dat' index 2 using 1:2 with points", "set xrange [0:2]\nset yrange [0:1]\n",
        "set output 'maps.png'\n", "set output 'maps.svg'\n"})
    EXPECT_NE(gp.find(line), std::string::npos) << line << "\n" << gp;
}

TEST(HeatMaps, ThePapersPdfHasNoTitleOverItsPanels) {
  const auto dir = test::fresh_dir("figure", "heat-maps-pdf");
  EXPECT_FALSE(write_heat_maps(dir, two_panels(), /*render=*/false, /*pdf=*/true));
  const std::string gp = read(dir / "maps.gp");
  const std::size_t pdf = gp.find("set output 'maps.pdf'\nset multiplot layout 1,2\n");
  ASSERT_NE(pdf, std::string::npos) << gp;
  // Two panels of 520 x 460 pixels and the title's 40 at 240 pixels an inch: 4.33 x 2.08 inches.
  EXPECT_NE(gp.find("set terminal pdfcairo noenhanced size 4.33in,2.08in\n"), std::string::npos) << gp;
  EXPECT_EQ(gp.find(" title 'two panels'", pdf), std::string::npos) << gp;
  EXPECT_NE(gp.substr(0, pdf).find("set multiplot layout 1,2 title 'two panels'\n"), std::string::npos) << gp;
}

TEST(HeatMaps, BadPanelsAreErrors) {
  const auto dir = test::fresh_dir("figure", "heat-maps-bad");
  HeatMapFigure unequal = two_panels();
  unequal.panels[0].value.pop_back();
  EXPECT_THROW(write_heat_maps(dir, unequal, false), std::runtime_error);
  HeatMapFigure points = two_panels();
  points.panels[1].points_x2.push_back(0.0);
  EXPECT_THROW(write_heat_maps(dir, points, false), std::runtime_error);
  HeatMapFigure empty_range = two_panels();
  empty_range.panels[0].high = 0.0;
  EXPECT_THROW(write_heat_maps(dir, empty_range, false), std::runtime_error);
  HeatMapFigure no_columns = two_panels();
  no_columns.columns = 0;
  EXPECT_THROW(write_heat_maps(dir, no_columns, false), std::runtime_error);
}

TEST(HeatMaps, GnuplotRendersTheScriptWithoutComplaint) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot is not installed";
  const auto dir = test::fresh_dir("figure", "heat-maps-render");
  EXPECT_TRUE(write_heat_maps(dir, two_panels(), /*render=*/true));  // the script is complete when gnuplot reads it
  std::filesystem::remove(dir / "maps.png");
  const std::string command = "cd '" + dir.string() + "' && gnuplot maps.gp 2> gnuplot.err";
  ASSERT_EQ(std::system(command.c_str()), 0) << read(dir / "gnuplot.err");
  EXPECT_EQ(read(dir / "gnuplot.err"), "");  // no warning either (an irregular image grid, an empty block)
  EXPECT_GT(std::filesystem::file_size(dir / "maps.png"), 0u);
  EXPECT_GT(std::filesystem::file_size(dir / "maps.svg"), 0u);
}

}  // namespace
}  // namespace blobflow::reports
