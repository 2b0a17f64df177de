// Reference test of the exact discrete W2 in 2D (wasserstein2d.hpp, network simplex) against POT: sqrt(ot.emd2(a, b,
// M)) with M the matrix of squared Euclidean distances and normalized weights (POT's exact network-simplex solver,
// an independent implementation). Random weighted point sets with fixed seeds, including repeated points and zero
// weights; W2 must agree to kReferenceTolerance relative. Skipped (GTEST_SKIP) when no python3 can import ot.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "blobflow/analysis/wasserstein2d.hpp"
#include "reference/pot_runner.hpp"

namespace blobflow::analysis {
namespace {

/// The requirement for the 2D discrete W2 (both solvers are exact; our weights and costs are rounded to ~2^-50 of
/// their totals, POT sums N M terms in double): 1e-9 relative.
constexpr double kReferenceTolerance = 1e-9;
constexpr unsigned kSeed = 20261129;

/// POT, run on the file written below (x1, x2, a, y1, y2, b, one per line): prints sqrt(emd2).
constexpr const char* kScript =
    "import sys, numpy as np, ot\n"
    "rows = [np.array([float(t) for t in line.split()]) for line in open(sys.argv[1]).read().splitlines()[:6]]\n"
    "x = np.stack(rows[0:2], axis=1); a = rows[2] / rows[2].sum()\n"
    "y = np.stack(rows[3:5], axis=1); b = rows[5] / rows[5].sum()\n"
    "M = ot.dist(x, y, metric=\"sqeuclidean\")\n"
    "open(sys.argv[2], \"w\").write(repr(float(np.sqrt(ot.emd2(a, b, M, numItermax=100000000)))) + \"\\n\")\n";

TEST(Wasserstein2DAgainstPot, RandomWeightedPointSetsAgree) {
  const auto python = reference::python_with_pot();
  if (!python) GTEST_SKIP() << "no python3 with POT (Debian: apt-get install python3-pot)";
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::string tag = "blobflow_pot2d_" + std::to_string(::getpid());
  const std::filesystem::path input = dir / (tag + ".in");
  const std::filesystem::path output = dir / (tag + ".out");
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> position(-2.0, 3.0);
  std::uniform_real_distribution<double> weight(0.0, 1.0);
  const std::vector<std::pair<std::size_t, std::size_t>> sizes = {{1, 1}, {1, 9}, {5, 7}, {64, 64}, {300, 170},
                                                                   {500, 500}};
  double largest_relative_difference = 0.0;
  for (const auto& [n, m] : sizes) {
    std::vector<double> x1(n), x2(n), a(n), y1(m), y2(m), b(m);
    for (std::size_t i = 0; i < n; ++i) {
      x1[i] = position(rng);
      x2[i] = position(rng);
      a[i] = weight(rng) + 0.01;
    }
    for (std::size_t j = 0; j < m; ++j) {
      const bool repeat = j % 5 == 1;  // repeated points
      y1[j] = repeat ? y1[j - 1] : position(rng);
      y2[j] = repeat ? y2[j - 1] : position(rng);
      b[j] = j % 7 == 3 ? 0.0 : weight(rng) + 0.01;  // atoms of no mass
    }
    {
      std::ofstream out(input);
      for (const auto* row : {&x1, &x2, &a, &y1, &y2, &b}) reference::write_row(out, *row);
    }
    const std::string command = *python + " -c '" + kScript + "' " + input.string() + " " + output.string();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream in(output);
    double pot_w2 = 0.0;
    ASSERT_TRUE(in >> pot_w2);
    std::vector<double> x, y;
    for (std::size_t i = 0; i < n; ++i) x.insert(x.end(), {x1[i], x2[i]});
    for (std::size_t j = 0; j < m; ++j) y.insert(y.end(), {y1[j], y2[j]});
    const double w2 = wasserstein2_discrete(2, x, a, y, b);
    EXPECT_NEAR(w2, pot_w2, kReferenceTolerance * pot_w2) << "N = " << n << ", M = " << m;
    largest_relative_difference = std::max(largest_relative_difference, std::abs(w2 - pot_w2) / pot_w2);
  }
  std::printf("2D W2 against POT emd2: largest relative difference %.3e over %zu cases\n", largest_relative_difference,
              sizes.size());
  std::filesystem::remove(input);
  std::filesystem::remove(output);
}

}  // namespace
}  // namespace blobflow::analysis
