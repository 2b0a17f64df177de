// ROS34PW2 (rosenbrock.hpp) in the implementation form of Hairer and Wanner (Solving ODEs II, §IV.7, (7.25)): with
// the method's coefficients alpha_ij, gamma_ij (Gamma lower triangular, gamma on its diagonal), b and b_hat,
//   (I / (h gamma) - J) U_i = v(x + sum_(j<i) a_ij U_j) + sum_(j<i) (c_ij / h) U_j,
//   x_new = x + sum_i m_i U_i,     error = sum_i (m_i - m_hat_i) U_i,
// where a = alpha Gamma^-1, C = diag(1 / gamma) - Gamma^-1, m = b^T Gamma^-1, m_hat = b_hat^T Gamma^-1 are computed
// here from the published table, so that only the table itself is transcribed.
#include "blobflow/solvers/rosenbrock.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <vector>

#include "shifted_system.hpp"

namespace blobflow {
namespace {

constexpr int kStages = 4;
using Table = std::array<std::array<double, kStages>, kStages>;

/// ROS34PW2, Rang and Angermann (2005), Table 4.3: alpha, gamma (below the diagonal), gamma, b and b_hat.
constexpr double kGamma = 4.3586652150845900e-01;
constexpr Table kAlpha = {{{0.0, 0.0, 0.0, 0.0},
                           {8.7173304301691801e-01, 0.0, 0.0, 0.0},
                           {8.4457060015369423e-01, -1.1299064236484185e-01, 0.0, 0.0},
                           {0.0, 0.0, 1.0, 0.0}}};
constexpr Table kGammaBelow = {{{0.0, 0.0, 0.0, 0.0},
                                {-8.7173304301691801e-01, 0.0, 0.0, 0.0},
                                {-9.0338057013044082e-01, 5.4180672388095326e-02, 0.0, 0.0},
                                {2.4212380706095346e-01, -1.2232505839045147e+00, 5.4526025533510214e-01, 0.0}}};
constexpr std::array<double, kStages> kB = {2.4212380706095346e-01, -1.2232505839045147e+00, 1.5452602553351020e+00,
                                            4.3586652150845900e-01};
constexpr std::array<double, kStages> kBHat = {3.7810903145819369e-01, -9.6042292212423178e-02,
                                               5.0000000000000000e-01, 2.1793326075422950e-01};

/// The coefficients of the implementation form, from the table.
struct Coefficients {
  Table a{}, c{};
  std::array<double, kStages> m{}, e{};  // e = m - m_hat
  Coefficients() {
    Table g = kGammaBelow, inv{};  // Gamma and its inverse (lower triangular, by forward substitution)
    for (int i = 0; i < kStages; ++i) g[i][i] = kGamma;
    for (int col = 0; col < kStages; ++col)
      for (int i = col; i < kStages; ++i) {
        double s = i == col ? 1.0 : 0.0;
        for (int k = col; k < i; ++k) s -= g[i][k] * inv[k][col];
        inv[i][col] = s / g[i][i];
      }
    for (int i = 0; i < kStages; ++i)
      for (int j = 0; j < i; ++j) {
        for (int k = j; k < i; ++k) a[i][j] += kAlpha[i][k] * inv[k][j];
        c[i][j] = -inv[i][j];
      }
    for (int j = 0; j < kStages; ++j)
      for (int i = j; i < kStages; ++i) {
        m[j] += kB[i] * inv[i][j];
        e[j] += (kB[i] - kBHat[i]) * inv[i][j];
      }
  }
};

}  // namespace

struct RosenbrockStepper::Impl {
  Coefficients coef;
  stiff::ShiftedSystem system;
  bool cached = false;  // system holds the start point of the last attempt
  explicit Impl(const VelocityField& f) : system(f) {}
};

RosenbrockStepper::RosenbrockStepper(const VelocityField& field) : impl_(std::make_unique<Impl>(field)) {}
RosenbrockStepper::~RosenbrockStepper() = default;
RosenbrockStepper::RosenbrockStepper(RosenbrockStepper&&) noexcept = default;
RosenbrockStepper& RosenbrockStepper::operator=(RosenbrockStepper&&) noexcept = default;

void RosenbrockStepper::reset() { impl_->cached = false; }

RosenbrockStepResult RosenbrockStepper::step(std::span<const double> x, double h, std::span<double> x_new,
                                             std::span<double> error) {
  Impl& s = *impl_;
  stiff::ShiftedSystem& sys = s.system;
  stiff::LinearCounters counters;
  RosenbrockStepResult result;
  const auto report = [&](bool solved) {
    result.finite = counters.finite;
    result.solved = solved;
    result.velocity_evaluations = counters.velocity_evaluations;
    result.jacobian_evaluations = counters.jacobian_evaluations;
    result.krylov_iterations = counters.krylov_iterations;
    return result;
  };
  const auto n = static_cast<Eigen::Index>(sys.n_coords);
  const Eigen::Map<const stiff::Vector> xm(x.data(), n);
  if (!s.cached || sys.x0 != xm) {
    s.cached = sys.set_point(xm, counters);
    if (!s.cached) return report(true);
  }
  const double c = 1.0 / (h * kGamma);
  if (!sys.prepare(c, counters)) return report(false);
  std::array<stiff::Vector, kStages> u;
  stiff::Vector point, v, rhs;
  for (int i = 0; i < kStages; ++i) {
    if (i == 0) {
      rhs = sys.v0;
    } else {
      point = sys.x0;
      for (int j = 0; j < i; ++j) point += s.coef.a[i][j] * u[j];
      sys.velocity(point, v, counters);
      if (!stiff::finite(v)) {
        counters.finite = false;
        return report(true);
      }
      rhs = v;
      for (int j = 0; j < i; ++j) rhs += (s.coef.c[i][j] / h) * u[j];
    }
    if (!sys.solve(c, rhs, u[i], counters)) return report(false);
  }
  Eigen::Map<stiff::Vector> xn(x_new.data(), n), err(error.data(), n);
  xn = sys.x0;
  err.setZero();
  for (int i = 0; i < kStages; ++i) {
    xn += s.coef.m[i] * u[i];
    err += s.coef.e[i] * u[i];
  }
  counters.finite = counters.finite && stiff::finite(xn) && stiff::finite(err);
  return report(true);
}

bool has_sparse_hessian(const VelocityField& field, std::span<const double> x) {
  HessianEntries entries;
  return field.hessian(x, entries, stiff::kMaxHessianEntriesPerCoordinate * x.size());
}

}  // namespace blobflow
