// Figures are kept as .dat + .gp pairs that gnuplot can render (reports/figure.hpp).
#include "blobflow/reports/figure.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace blobflow::reports
