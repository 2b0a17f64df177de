// Reference test of the particle-vs-particle Wasserstein distances (wasserstein1d.hpp) against an independent tool,
// POT (Python Optimal Transport, Debian package python3-pot): ot.wasserstein_1d(x, y, a, b, p) ** (1/p) with
// normalized weights a, b (POT returns W_p^p and does not normalize). Random weighted measures with fixed seeds,
// including repeated positions and zero weights, are written to a file, POT is run by `python3 -c`, and W1, W2 must
// agree to kReferenceTolerance relative. Skipped (GTEST_SKIP) when no python3 can import ot. Interpreter:
// $BLOBFLOW_PYTHON, else python3 on PATH, else /usr/bin/python3 (where Debian installs python3-pot).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "blobflow/analysis/wasserstein1d.hpp"
#include "reference/pot_runner.hpp"

namespace blobflow::analysis {
namespace {

/// POT sums O(N + M) terms with plain cumulative sums: ~(N + M) eps relative for N + M <= 2000, far below this.
constexpr double kReferenceTolerance = 1e-12;
constexpr unsigned kSeed = 20261128;

/// POT, run on the file written by write_measures: prints W1 and W2 (W_p^p raised to 1/p), one per line.
constexpr const char* kScript =
    "import sys, numpy as np, ot\n"
    "rows = [np.array([float(t) for t in line.split()]) for line in open(sys.argv[1]).read().splitlines()[:4]]\n"
    "x, a, y, b = rows\n"
    "a = a / a.sum(); b = b / b.sum()\n"
    "out = open(sys.argv[2], \"w\")\n"
    "for p in (1, 2): out.write(repr(float(ot.wasserstein_1d(x, y, a, b, p=p)) ** (1.0 / p)) + \"\\n\")\n";

using reference::python_with_pot;
using reference::write_row;

TEST(WassersteinAgainstPot, RandomWeightedMeasuresAgreeForW1AndW2) {
  const std::optional<std::string> python = python_with_pot();
  if (!python) GTEST_SKIP() << "no python3 with POT (Debian: apt-get install python3-pot)";
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::string tag = "blobflow_pot_" + std::to_string(::getpid());
  const std::filesystem::path input = dir / (tag + ".in");
  const std::filesystem::path output = dir / (tag + ".out");
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> position(-2.0, 3.0);
  std::uniform_real_distribution<double> weight(0.0, 1.0);
  const std::vector<std::pair<std::size_t, std::size_t>> sizes = {{1, 1}, {1, 9}, {5, 7}, {64, 64}, {300, 170},
                                                                   {1000, 1000}};
  double largest_relative_difference = 0.0;
  for (const auto& [n, m] : sizes) {
    std::vector<double> x(n), a(n), y(m), b(m);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = position(rng);
      a[i] = weight(rng) + 0.01;
    }
    for (std::size_t j = 0; j < m; ++j) {
      y[j] = j % 5 == 1 ? y[j - 1] : position(rng);  // repeated positions
      b[j] = j % 7 == 3 ? 0.0 : weight(rng) + 0.01;  // atoms of no mass
    }
    {
      std::ofstream out(input);
      write_row(out, x);
      write_row(out, a);
      write_row(out, y);
      write_row(out, b);
    }
    const std::string command =
        *python + " -c '" + kScript + "' " + input.string() + " " + output.string();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream in(output);
    double pot_w1 = 0.0;
    double pot_w2 = 0.0;
    ASSERT_TRUE(in >> pot_w1 >> pot_w2);
    const WassersteinDistances d = wasserstein_1d(x, a, y, b);
    EXPECT_NEAR(d.w1, pot_w1, kReferenceTolerance * pot_w1) << "N = " << n << ", M = " << m;
    EXPECT_NEAR(d.w2, pot_w2, kReferenceTolerance * pot_w2) << "N = " << n << ", M = " << m;
    largest_relative_difference =
        std::max({largest_relative_difference, std::abs(d.w1 - pot_w1) / pot_w1, std::abs(d.w2 - pot_w2) / pot_w2});
  }
  std::printf("1D W1, W2 against POT: largest relative difference %.3e over %zu cases\n",
              largest_relative_difference, sizes.size());
  std::filesystem::remove(input);
  std::filesystem::remove(output);
}

}  // namespace
}  // namespace blobflow::analysis
