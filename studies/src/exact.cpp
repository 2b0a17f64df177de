// The exact solutions of exact.hpp: thin adapters over analysis/ (barenblatt.hpp, exact_solutions.hpp).
#include "blobflow/studies/exact.hpp"

#include <cmath>
#include <numbers>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/exact_solutions.hpp"
#include "blobflow/analysis/law_nd.hpp"
#include "blobflow/reports/table.hpp"

namespace blobflow {
namespace {

/// Volume of the unit ball in R^d.
double unit_ball_volume(int d) { return std::pow(std::numbers::pi, 0.5 * d) / std::tgamma(0.5 * d + 1.0); }

/// Volume M / max u of an isotropic Gaussian of per-coordinate variance v: (2 pi v)^(d/2).
double gaussian_spacing_volume(int d, double variance) { return std::pow(2.0 * std::numbers::pi * variance, 0.5 * d); }

std::string number(double v) { return reports::format_shortest(v); }


/// pme (D = 1) or wpme with rhobar == 1 (D = 1/2): u = U_m(x, D t).
class BarenblattSolution final : public ExactSolution {
 public:
  BarenblattSolution(int d, double m, double mass, bool wpme)
      : u_(d, m, mass, wpme ? 0.5 : 1.0), wpme_(wpme) {}
  std::string describe() const override {
    return wpme_ ? "Barenblatt U_2(x, t/2) (wpme with rhobar == 1 is d/dt rho = 1/2 Lap rho^2)"
                 : "Barenblatt U_m(x, t), m = " + number(u_.m());
  }
  int dimension() const override { return u_.dimension(); }
  double density(std::span<const double> x, double t) const override { return u_.density(x, t); }
  std::unique_ptr<analysis::Law1D> law(double t) const override {
    return std::make_unique<analysis::BarenblattLaw1D>(u_, t);
  }
  std::unique_ptr<analysis::LawND> law_nd(double t) const override {
    return std::make_unique<analysis::RadialPowerLaw>(analysis::barenblatt_law(u_, t));
  }
  double second_moment(double t) const override { return u_.second_moment(t); }
  // wpme 1/2 int u^2 (docs/math.md §2.2), pme int u^m / (m - 1) (docs/math.md §1.2).
  std::optional<double> energy(double t) const override {
    return wpme_ ? 0.5 * u_.power_integral(2.0, t) : u_.power_integral(u_.m(), t) / (u_.m() - 1.0);
  }
  double placement_radius(double t) const override { return u_.support_radius(t); }
  double spacing_volume(double t) const override {
    return unit_ball_volume(u_.dimension()) * std::pow(u_.support_radius(t), u_.dimension());
  }

 private:
  analysis::Barenblatt u_;
  bool wpme_;
};

/// pme with m = 1: the heat kernel from a Dirac mass at t = 0, variance 2t per coordinate.
class HeatSolution final : public ExactSolution {
 public:
  HeatSolution(int d, double mass) : u_(d, mass, 1.0, 0.0) {}
  std::string describe() const override { return "heat kernel (pme, m = 1): Gaussian of variance 2t"; }
  int dimension() const override { return u_.dimension(); }
  double density(std::span<const double> x, double t) const override { return u_.density(x, t); }
  std::unique_ptr<analysis::Law1D> law(double t) const override {
    return std::make_unique<analysis::GaussianLaw1D>(u_.law(t));
  }
  std::unique_ptr<analysis::LawND> law_nd(double t) const override {
    return std::make_unique<analysis::GaussianLawND>(analysis::heat_kernel_law(u_, t));
  }
  double second_moment(double t) const override { return u_.second_moment(t); }
  std::optional<double> energy(double) const override { return std::nullopt; }
  double placement_radius(double t) const override { return kGaussianPlacementRadius * std::sqrt(u_.variance(t)); }
  double spacing_volume(double t) const override { return gaussian_spacing_volume(u_.dimension(), u_.variance(t)); }

 private:
  analysis::HeatKernel u_;
};

/// pme, m > 1, V = |x|^2/2: the confined solution whose data at t0 is U_m(., t0), i.e. tau(0) = t0 in the time
/// s = t - t0 of analysis::ConfinedPorousMedium.
class ConfinedSolution final : public ExactSolution {
 public:
  ConfinedSolution(int d, double m, double mass, double t0) : u_(d, m, mass, t0), t0_(t0) {}
  std::string describe() const override {
    return "confined PME d/dt rho = Lap(rho^m) + div(rho x), m = " + number(u_.m()) +
           ", from U_m(., t0) at t0";
  }
  int dimension() const override { return u_.dimension(); }
  double density(std::span<const double> x, double t) const override { return u_.density(x, t - t0_); }
  std::unique_ptr<analysis::Law1D> law(double t) const override {
    return std::make_unique<analysis::ConfinedPorousMediumLaw1D>(u_.law(t - t0_));
  }
  std::unique_ptr<analysis::LawND> law_nd(double t) const override {
    return std::make_unique<analysis::RadialPowerLaw>(analysis::confined_porous_medium_law(u_, t - t0_));
  }
  double second_moment(double t) const override { return u_.second_moment(t - t0_); }
  // int rho^m/(m - 1) + int V rho with V = |x|^2/2 (docs/math.md §1.2, §4.5).
  std::optional<double> energy(double t) const override {
    return u_.energy_integral(t - t0_) / (u_.m() - 1.0) + 0.5 * u_.second_moment(t - t0_);
  }
  double placement_radius(double t) const override { return u_.support_radius(t - t0_); }
  double spacing_volume(double t) const override {
    return unit_ball_volume(u_.dimension()) * std::pow(u_.support_radius(t - t0_), u_.dimension());
  }

 private:
  analysis::ConfinedPorousMedium u_;
  double t0_;
};

/// pme, m = 1, V = |x|^2/2: the linear Fokker-Planck solution whose data at t0 is the heat kernel at t0 (variance
/// 2 t0), in the time s = t - t0 of analysis::LinearFokkerPlanck.
class FokkerPlanckSolution final : public ExactSolution {
 public:
  FokkerPlanckSolution(int d, double mass, double t0) : u_(d, mass, std::sqrt(2.0 * t0)), t0_(t0) {}
  std::string describe() const override {
    return "linear Fokker-Planck d/dt rho = Lap rho + div(rho x), from the heat kernel at t0";
  }
  int dimension() const override { return u_.dimension(); }
  double density(std::span<const double> x, double t) const override { return u_.density(x, t - t0_); }
  std::unique_ptr<analysis::Law1D> law(double t) const override {
    return std::make_unique<analysis::GaussianLaw1D>(u_.law(t - t0_));
  }
  std::unique_ptr<analysis::LawND> law_nd(double t) const override {
    return std::make_unique<analysis::GaussianLawND>(analysis::fokker_planck_law(u_, t - t0_));
  }
  double second_moment(double t) const override { return u_.second_moment(t - t0_); }
  std::optional<double> energy(double) const override { return std::nullopt; }
  double placement_radius(double t) const override {
    return kGaussianPlacementRadius * std::sqrt(u_.variance(t - t0_));
  }
  double spacing_volume(double t) const override {
    return gaussian_spacing_volume(u_.dimension(), u_.variance(t - t0_));
  }

 private:
  analysis::LinearFokkerPlanck u_;
  double t0_;
};

}  // namespace

std::unique_ptr<ExactSolution> make_exact_solution(const ExactSolutionSpec& spec) {
  const int d = spec.dimension;
  if (spec.weighted) {
    if (spec.quadratic_confinement) return nullptr;
    return std::make_unique<BarenblattSolution>(d, 2.0, spec.mass, true);
  }
  if (spec.m == 1.0) {
    if (spec.quadratic_confinement) return std::make_unique<FokkerPlanckSolution>(d, spec.mass, spec.t0);
    return std::make_unique<HeatSolution>(d, spec.mass);
  }
  if (spec.quadratic_confinement) return std::make_unique<ConfinedSolution>(d, spec.m, spec.mass, spec.t0);
  return std::make_unique<BarenblattSolution>(d, spec.m, spec.mass, false);
}

}  // namespace blobflow
