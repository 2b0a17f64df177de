// Cost of the semi-discrete W2 (analysis/semidiscrete_ot.hpp, docs/math.md §6.1) against N: wall seconds of whole
// solves and their Newton iterations, single thread, for the laws the 2D/3D studies measure against.
//
// Particles: an n^d lattice over the law's support box (Gaussians: +- 5.5 standard deviations), each point weighted by the density there (points of zero
// density dropped, as the lattice placement of a run does), every point moved by a deterministic jitter of up to
// 0.3 lattice spacings per coordinate, and the whole set dilated by kSpread about the centre so that the outer
// particles lie past the front of a compactly supported law, where blobs spread (the solver's start must then pull
// them in). Cases: the 2D and 3D Barenblatt profiles with m = 2 (a quadratic on a disc/ball) and m = 3 (Hölder at
// the front), the 2D uniform square and an isotropic Gaussian.
//
// Usage: bench_semidiscrete [--case TEXT] [--side N]... [DAT]   prints a table (N, Newton iterations, seconds,
// residual, status, W2, so that two builds can be compared); with DAT also writes it as gnuplot data blocks, one per
// case. --case keeps the cases whose name contains TEXT; --side (repeatable) replaces each case's lattice sizes.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/law_nd.hpp"
#include "blobflow/analysis/semidiscrete_ot.hpp"

namespace {

using blobflow::analysis::Box;
using blobflow::analysis::LawND;
using blobflow::analysis::Point3;

/// Dilation of the particle set about the law's centre: 2% puts the outermost lattice ring past the front.
constexpr double kSpread = 1.02;
/// Jitter amplitude in lattice spacings: breaks the lattice's degeneracy (four cells meeting at a vertex).
constexpr double kJitter = 0.3;

struct Case {
  std::string name;
  std::shared_ptr<const LawND> law;
  std::vector<int> sides;   // lattice points per axis
  double half_width = 0.0;  // > 0: the lattice covers centre +- this (as a run places Gaussian data), else the box
};

/// A deterministic number in [-1, 1) from an index (a 64-bit mixing hash), so every run sees the same particles.
double jitter(std::uint64_t i) {
  i += 0x9e3779b97f4a7c15ULL;
  i = (i ^ (i >> 30)) * 0xbf58476d1ce4e5b9ULL;
  i = (i ^ (i >> 27)) * 0x94d049bb133111ebULL;
  i ^= i >> 31;
  return static_cast<double>(i >> 11) * 0x1.0p-52 - 1.0;
}

void particles(const Case& spec, int side, std::vector<double>& x, std::vector<double>& m) {
  const LawND& law = *spec.law;
  const int d = law.dimension();
  const Point3 c = law.centre();
  Box box = law.support_box();
  if (spec.half_width > 0.0)
    for (int k = 0; k < d; ++k) box.lo[k] = c[k] - spec.half_width, box.hi[k] = c[k] + spec.half_width;
  x.clear(), m.clear();
  const long total = d == 2 ? static_cast<long>(side) * side : static_cast<long>(side) * side * side;
  for (long p = 0; p < total; ++p) {
    Point3 y{};
    long rest = p;
    for (int k = 0; k < d; ++k) {
      const double h = (box.hi[k] - box.lo[k]) / side;
      const double jit = kJitter * jitter(static_cast<std::uint64_t>(p * d + k));
      y[k] = box.lo[k] + h * (static_cast<double>(rest % side) + 0.5 + jit);
      rest /= side;
    }
    const double rho = law.density(y);
    if (rho <= 0.0) continue;
    for (int k = 0; k < d; ++k) x.push_back(c[k] + kSpread * (y[k] - c[k]));
    m.push_back(rho);
  }
}

std::vector<Case> cases() {
  using namespace blobflow::analysis;
  std::vector<Case> out;
  const Box square{.dimension = 2, .lo = {0, 0, 0}, .hi = {1, 1, 0}};
  out.push_back({"2D uniform square", std::make_shared<UniformBoxLaw>(square), {32, 100, 316}});
  for (const double m : {2.0, 3.0}) {
    const Barenblatt b2(2, m);
    out.push_back({"2D Barenblatt m = " + std::to_string(static_cast<int>(m)),
                   std::make_shared<RadialPowerLaw>(barenblatt_law(b2, 1.0)), {36, 72, 113, 200, 357}});
  }
  // Over +- 5.5 standard deviations, as a run places Gaussian data (kGaussianPlacementRadius in studies/exact.hpp).
  out.push_back({"2D Gaussian", std::make_shared<GaussianLawND>(2, Point3{}, std::vector<double>{1, 0, 0, 1}),
                 {32, 100, 200}, 5.5});
  for (const double m : {2.0, 3.0}) {
    const Barenblatt b3(3, m);
    out.push_back({"3D Barenblatt m = " + std::to_string(static_cast<int>(m)),
                   std::make_shared<RadialPowerLaw>(barenblatt_law(b3, 1.0)), {12, 16, 21, 26}});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string only, dat_path;
  std::vector<int> sides;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("usage: bench_semidiscrete [--case TEXT] [--side N]... [DAT]\n");
      return 0;
    }
    if ((arg == "--case" || arg == "--side") && i + 1 < argc) {
      if (arg == "--case") only = argv[++i];
      else sides.push_back(std::atoi(argv[++i]));
      continue;
    }
    if (arg.rfind("--", 0) == 0 || !dat_path.empty()) {
      std::fprintf(stderr, "usage: bench_semidiscrete [--case TEXT] [--side N]... [DAT]\n");
      return 2;
    }
    dat_path = arg;
  }
  std::ofstream dat;
  if (!dat_path.empty()) dat.open(dat_path);
  std::printf("%-22s %8s %6s %10s %12s %-18s %s\n", "case", "N", "iter", "seconds", "residual", "status", "w2");
  std::vector<double> x, m;
  for (Case c : cases()) {
    if (c.name.find(only) == std::string::npos) continue;
    if (!sides.empty()) c.sides = sides;
    if (dat) dat << "\"" << c.name << "\"\n# N iterations seconds residual\n";
    for (const int side : c.sides) {
      particles(c, side, x, m);
      const auto start = std::chrono::steady_clock::now();
      const auto r = blobflow::analysis::semidiscrete_w2(x, m, *c.law);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("%-22s %8zu %6d %10.3f %12.3e %-18s %.15e\n", c.name.c_str(), m.size(), r.iterations, seconds,
                  r.residual, std::string(blobflow::analysis::to_string(r.status)).c_str(), r.w2);
      std::fflush(stdout);
      if (dat) dat << m.size() << " " << r.iterations << " " << seconds << " " << r.residual << "\n";
    }
    if (dat) dat << "\n\n";
  }
  return 0;
}
