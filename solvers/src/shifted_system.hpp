// The linear algebra shared by the stiff integrators (rosenbrock34, discrete-gradient): systems
// (c I - J) u = r with J = dv/dx = -M^{-1} D^2 E_eps, solved as the symmetric (M c + D^2 E_eps) u = M r by a band
// LDL^T (1D, particles in sorted order), Eigen's SimplicialLDLT (AMD order), or matrix-free GMRES on
// finite-difference Jacobian-vector products (docs/math.md §7.3). Private to the library.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <vector>

#include <Eigen/Dense>
#include <Eigen/OrderingMethods>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>

#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow::stiff {

using Vector = Eigen::VectorXd;
using Sparse = Eigen::SparseMatrix<double>;

inline bool finite(const Vector& v) { return v.allFinite(); }

/// What the solves cost and whether they met non-finite numbers.
struct LinearCounters {
  bool finite = true;                    ///< every velocity and product was finite
  std::size_t velocity_evaluations = 0;  ///< calls of VelocityField::velocity (matrix-free products included)
  std::size_t jacobian_evaluations = 0;  ///< calls of VelocityField::hessian
  std::size_t krylov_iterations = 0;     ///< GMRES iterations
};

/// The RMS distance of the particles of x (N d entries, particle-major) from their centroid.
inline double cloud_spread(const Vector& x, std::size_t d) {
  const std::size_t n = static_cast<std::size_t>(x.size()) / d;
  double s2 = 0.0;
  for (std::size_t k = 0; k < d; ++k) {
    double centre = 0.0;
    for (std::size_t i = 0; i < n; ++i) centre += x(static_cast<Eigen::Index>(i * d + k));
    centre /= static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double dx = x(static_cast<Eigen::Index>(i * d + k)) - centre;
      s2 += dx * dx;
    }
  }
  return std::sqrt(s2 / static_cast<double>(n));
}

/// The Hessian is assembled and factorized only while it has at most this many entries per coordinate; beyond, the
/// solves go matrix-free. 1D clouds with eps = 4 h have ~150 (pairs within 6.8 sigma, sigma = sqrt(2) eps); a 2D
/// cloud with eps = 4 h has ~2e4 (~4,500 neighbours, 2 x 2 blocks), whose Hessian would take gigabytes at N ~ 1e4
/// and whose factorization fills in far more.
inline constexpr std::size_t kMaxHessianEntriesPerCoordinate = 2000;

/// GMRES restarts after this many Krylov vectors, and gives up after kKrylovMaxIterations in all.
inline constexpr int kKrylovRestart = 40;
inline constexpr int kKrylovMaxIterations = 400;
/// A stage solve counts as converged at this residual relative to its right-hand side: far below the error
/// tolerances the runs use (>= 1e-12 of the cloud size), and above the finite-difference products' accuracy
/// (~sqrt(machine epsilon) relative to the product, of which the residual keeps only the consistent part).
inline constexpr double kKrylovTolerance = 1e-10;

/// Restarted GMRES for A u = rhs with A given as a function (w, Aw) -> finite?, applied to unit vectors only; u
/// starts at 0. The residual is carried as rhs - sum of the stored products (never A applied to u), so that the
/// finite-difference products, linear only to their own accuracy, stay consistent with the Arnoldi recurrence.
/// Returns the iterations, or nullopt when a product was non-finite or the residual missed the tolerance.
template <class Apply>
inline std::optional<std::size_t> gmres(const Apply& apply, const Vector& rhs, Vector& u) {
  const Eigen::Index n = rhs.size();
  u.setZero(n);
  const double target = kKrylovTolerance * rhs.norm();
  if (target == 0.0) return 0;
  std::size_t iterations = 0;
  Vector r = rhs;
  std::vector<Vector> basis, products;
  Eigen::MatrixXd hess(kKrylovRestart + 1, kKrylovRestart);
  Vector cs(kKrylovRestart), sn(kKrylovRestart), g(kKrylovRestart + 1);
  while (iterations < static_cast<std::size_t>(kKrylovMaxIterations)) {
    const double beta = r.norm();
    if (beta <= target) return iterations;
    basis.assign(1, r / beta);
    products.assign(kKrylovRestart, Vector());
    g.setZero();
    g(0) = beta;
    int k = 0;
    while (k < kKrylovRestart && iterations < static_cast<std::size_t>(kKrylovMaxIterations)) {
      ++iterations;
      if (!apply(basis[k], products[k])) return std::nullopt;
      Vector w = products[k];
      for (int i = 0; i <= k; ++i) {  // modified Gram-Schmidt
        hess(i, k) = basis[i].dot(w);
        w -= hess(i, k) * basis[i];
      }
      const double next_norm = w.norm();
      hess(k + 1, k) = next_norm;
      for (int i = 0; i < k; ++i) {  // the earlier Givens rotations
        const double t = cs(i) * hess(i, k) + sn(i) * hess(i + 1, k);
        hess(i + 1, k) = -sn(i) * hess(i, k) + cs(i) * hess(i + 1, k);
        hess(i, k) = t;
      }
      const double rho = std::hypot(hess(k, k), hess(k + 1, k));
      if (!(rho > 0.0)) return std::nullopt;
      cs(k) = hess(k, k) / rho;
      sn(k) = hess(k + 1, k) / rho;
      hess(k, k) = rho;
      hess(k + 1, k) = 0.0;
      g(k + 1) = -sn(k) * g(k);
      g(k) *= cs(k);
      ++k;
      if (std::abs(g(k)) <= target || next_norm == 0.0) break;
      basis.push_back(w / next_norm);
    }
    const Vector y = hess.topLeftCorner(k, k).triangularView<Eigen::Upper>().solve(g.head(k));
    for (int i = 0; i < k; ++i) {
      u += y(i) * basis[i];
      r -= y(i) * products[i];
    }
    if (!finite(r)) return std::nullopt;
  }
  return r.norm() <= target ? std::optional<std::size_t>(iterations) : std::nullopt;
}

/// A symmetric band matrix of half-width b, its lower band stored column by column (entry (j + k, j) at
/// [j (b + 1) + k]), with an in-place LDL^T factorization without pivoting: O(N b^2) operations, contiguous inner
/// loops. For 1D clouds, whose Hessian in sorted order is a band.
class BandLdlt {
 public:
  void reset(std::size_t n, std::size_t half_width) {
    n_ = n;
    w_ = half_width + 1;
    a_.assign(n * w_, 0.0);
  }
  std::size_t half_width() const { return w_ - 1; }
  double& at(std::size_t row, std::size_t col) { return a_[col * w_ + (row - col)]; }  // row >= col
  const std::vector<double>& values() const { return a_; }
  std::vector<double>& values() { return a_; }

  /// Factorizes in place; false at a zero or non-finite pivot.
  bool factorize() {
    const std::size_t b = w_ - 1;
    for (std::size_t j = 0; j < n_; ++j) {
      double* cj = &a_[j * w_];
      const double dj = cj[0];
      if (!(dj != 0.0) || !std::isfinite(dj)) return false;
      const std::size_t m = std::min(b, n_ - 1 - j);
      for (std::size_t i = 1; i <= m; ++i) cj[i] /= dj;
      for (std::size_t k = 1; k <= m; ++k) {  // column j + k loses l_(j+k) d_j l_(j+i) from row j + i
        double* ck = &a_[(j + k) * w_];
        const double s = cj[k] * dj;
        for (std::size_t i = k; i <= m; ++i) ck[i - k] -= s * cj[i];
      }
    }
    return true;
  }

  /// Solves L D L^T y = r in place (after factorize).
  void solve(Vector& y) const {
    const std::size_t b = w_ - 1;
    for (std::size_t j = 0; j < n_; ++j) {
      const double* cj = &a_[j * w_];
      const double yj = y(static_cast<Eigen::Index>(j));
      const std::size_t m = std::min(b, n_ - 1 - j);
      for (std::size_t i = 1; i <= m; ++i) y(static_cast<Eigen::Index>(j + i)) -= cj[i] * yj;
    }
    for (std::size_t j = 0; j < n_; ++j) y(static_cast<Eigen::Index>(j)) /= a_[j * w_];
    for (std::size_t j = n_; j-- > 0;) {
      const double* cj = &a_[j * w_];
      const std::size_t m = std::min(b, n_ - 1 - j);
      double t = y(static_cast<Eigen::Index>(j));
      for (std::size_t i = 1; i <= m; ++i) t -= cj[i] * y(static_cast<Eigen::Index>(j + i));
      y(static_cast<Eigen::Index>(j)) = t;
    }
  }

 private:
  std::size_t n_ = 0, w_ = 1;
  std::vector<double> a_;
};

/// The linear systems (c I - J) u = r of the linearly implicit and implicit steps, J = dv/dx at a point x0 where the
/// velocity v0 is known: solved as (M c + D^2 E_eps) u = M r from the field's Hessian (VelocityField::hessian)
/// where it has one, else matrix-free by GMRES on finite-difference Jacobian-vector products.
struct ShiftedSystem {
  const VelocityField* field;
  std::size_t n_coords;
  Vector mass;  // M: the particle masses, repeated per coordinate
  Vector x0, v0;  // the point and its velocity
  bool analytic = false;
  // The analytic path works in a permuted order: coordinate r goes to perm[r]. In 1D the particles sorted by
  // position make M c + H a band matrix (the cutoff's neighbours are adjacent), factorized as one (BandLdlt) unless
  // the Hessian has an outer part (pme with m != 2, whose pattern is wider); otherwise, and in 2D and 3D (the
  // particles' own order), Eigen's SimplicialLDLT in AMD order.
  std::vector<int> perm;
  bool band = false;
  BandLdlt band_hessian, band_system;
  Sparse hessian, system;             // the lower triangle of H with its diagonal stored, and of M c + H
  std::vector<Eigen::Index> diagonal;  // where the diagonal entries sit in the value arrays
  Vector mass_perm, work;
  Eigen::SimplicialLDLT<Sparse, Eigen::Lower, Eigen::AMDOrdering<int>> ldlt;
  std::vector<Eigen::Triplet<double>> triplets;
  double fd_scale = 1.0;  // matrix-free: the length scale of the finite-difference increment
  HessianEntries entries;

  explicit ShiftedSystem(const VelocityField& f) : field(&f) {
    const auto d = static_cast<std::size_t>(f.dimension());
    const std::span<const double> m = f.masses();
    n_coords = m.size() * d;
    mass.resize(static_cast<Eigen::Index>(n_coords));
    for (std::size_t i = 0; i < n_coords; ++i) mass(static_cast<Eigen::Index>(i)) = m[i / d];
  }

  void velocity(const Vector& x, Vector& v, LinearCounters& result) const {
    v.resize(x.size());
    ++result.velocity_evaluations;
    field->velocity(std::span<const double>(x.data(), n_coords), std::span<double>(v.data(), n_coords));
  }

  bool banded() const { return field->dimension() == 1; }

  /// perm for x0: in 1D the rank of each particle by position, else the identity.
  void set_ordering() {
    perm.resize(n_coords);
    std::iota(perm.begin(), perm.end(), 0);
    if (banded())
      std::sort(perm.begin(), perm.end(), [&](int i, int j) { return x0(i) < x0(j) || (x0(i) == x0(j) && i < j); });
    std::vector<int> rank(n_coords);
    for (std::size_t k = 0; k < n_coords; ++k) rank[static_cast<std::size_t>(perm[k])] = static_cast<int>(k);
    perm.swap(rank);
    mass_perm.resize(mass.size());
    for (std::size_t r = 0; r < n_coords; ++r) mass_perm(perm[r]) = mass(static_cast<Eigen::Index>(r));
  }

  /// The Hessian at x0 (lower triangle, permuted, diagonal stored) and the pattern analysis of M c + H; false when
  /// the field has no Hessian.
  bool assemble_hessian() {
    entries.clear();
    const std::size_t max_entries = kMaxHessianEntriesPerCoordinate * n_coords;
    if (!field->hessian(std::span<const double>(x0.data(), n_coords), entries, max_entries)) return false;
    set_ordering();
    band = banded() && entries.outer.empty();
    if (band) return assemble_band();
    const auto n = static_cast<Eigen::Index>(n_coords);
    triplets.clear();
    triplets.reserve(entries.entries.size() / 2 + n_coords);
    for (const auto& e : entries.entries) {
      const int r = perm[static_cast<std::size_t>(e.row)], c = perm[static_cast<std::size_t>(e.col)];
      if (r >= c) triplets.emplace_back(r, c, e.value);
    }
    for (int i = 0; i < static_cast<int>(n); ++i) triplets.emplace_back(i, i, 0.0);
    hessian.resize(n, n);
    hessian.setFromTriplets(triplets.begin(), triplets.end());
    if (!entries.outer.empty()) {  // + D^T W D
      const auto rows = static_cast<Eigen::Index>(entries.outer_weights.size());
      triplets.clear();
      for (const auto& e : entries.outer) triplets.emplace_back(e.row, perm[static_cast<std::size_t>(e.col)], e.value);
      Sparse grad(rows, n);
      grad.setFromTriplets(triplets.begin(), triplets.end());
      const Eigen::Map<const Vector> w(entries.outer_weights.data(), rows);
      const Sparse weighted = w.asDiagonal() * grad;
      const Sparse outer = grad.transpose() * weighted;
      hessian = Sparse(hessian + Sparse(outer.triangularView<Eigen::Lower>()));
    }
    hessian.makeCompressed();
    diagonal.resize(n_coords);
    for (Eigen::Index j = 0; j < n; ++j) {  // lower triangle, rows sorted: the diagonal comes first in its column
      diagonal[static_cast<std::size_t>(j)] = hessian.outerIndexPtr()[j];
      if (hessian.innerIndexPtr()[diagonal[static_cast<std::size_t>(j)]] != j) return false;  // not reached
    }
    system = hessian;
    ldlt.analyzePattern(system);
    return true;
  }

  /// The lower band of H in sorted order (1D without an outer part).
  bool assemble_band() {
    std::size_t half_width = 0;
    for (const auto& e : entries.entries) {
      const int r = perm[static_cast<std::size_t>(e.row)], c = perm[static_cast<std::size_t>(e.col)];
      half_width = std::max(half_width, static_cast<std::size_t>(r >= c ? r - c : c - r));
    }
    band_hessian.reset(n_coords, half_width);
    for (const auto& e : entries.entries) {
      const auto r = static_cast<std::size_t>(perm[static_cast<std::size_t>(e.row)]);
      const auto c = static_cast<std::size_t>(perm[static_cast<std::size_t>(e.col)]);
      if (r >= c) band_hessian.at(r, c) += e.value;
    }
    return true;
  }

  /// The spread of x0 (RMS distance from the centroid) for the finite-difference increments.
  void set_fd_scale() {
    const double spread = cloud_spread(x0, static_cast<std::size_t>(field->dimension()));
    fd_scale = spread > 0.0 && std::isfinite(spread) ? spread : 1.0;
  }

  /// Solves (I / (h gamma) - J) u = rhs. False when the solve failed or gave non-finite numbers.
  bool solve(double c, const Vector& rhs, Vector& u, LinearCounters& result) {
    if (analytic) {
      work.resize(rhs.size());
      for (std::size_t r = 0; r < n_coords; ++r) {
        const auto i = static_cast<Eigen::Index>(r);
        work(perm[r]) = mass(i) * rhs(i);
      }
      Vector solution;
      if (band) {
        band_system.solve(work);
        solution.swap(work);
      } else {
        solution = ldlt.solve(work);
      }
      u.resize(rhs.size());
      for (std::size_t r = 0; r < n_coords; ++r) u(static_cast<Eigen::Index>(r)) = solution(perm[r]);
      return finite(u);
    }
    // Matrix-free: J w ~ (v(x0 + delta w) - v(x0)) / delta, delta = sqrt(machine epsilon) fd_scale / rms(w).
    static const double kRelativeIncrement = std::sqrt(std::numeric_limits<double>::epsilon());
    Vector shifted, v;
    bool non_finite = false;
    const auto apply = [&](const Vector& w, Vector& out) {
      const double size = w.norm() / std::sqrt(static_cast<double>(w.size()));
      if (size == 0.0) {
        out.setZero(w.size());
        return true;
      }
      const double delta = kRelativeIncrement * fd_scale / size;
      shifted = x0 + delta * w;
      velocity(shifted, v, result);
      out = c * w - (v - v0) / delta;
      non_finite = non_finite || !finite(out);
      return !non_finite;
    };
    const std::optional<std::size_t> iterations = gmres(apply, rhs, u);
    if (non_finite) result.finite = false;
    if (!iterations) return false;
    result.krylov_iterations += *iterations;
    return true;
  }

  /// Factorizes M c + H, c = 1 / (h gamma), for the analytic solves. False when the factorization failed.
  /// Moves the system to x: evaluates v0 = v(x) and the Hessian there (or prepares the finite differences). False
  /// when v(x) is not finite.
  bool set_point(const Vector& x, LinearCounters& counters) {
    x0 = x;
    velocity(x0, v0, counters);
    if (!finite(v0)) {
      counters.finite = false;
      return false;
    }
    analytic = assemble_hessian();
    if (analytic) ++counters.jacobian_evaluations;
    else set_fd_scale();
    return true;
  }

  /// Prepares the solves with shift c (a factorization where the Hessian is used). False when it failed; then
  /// counters.finite says whether the Hessian itself was finite.
  bool prepare(double c, LinearCounters& counters) {
    if (!analytic || factorize(c)) return true;
    counters.finite = band ? std::all_of(band_hessian.values().begin(), band_hessian.values().end(),
                                         [](double v) { return std::isfinite(v); })
                           : hessian.coeffs().allFinite();
    return false;
  }

  bool factorize(double c) {
    if (band) {
      band_system = band_hessian;
      for (std::size_t j = 0; j < n_coords; ++j) band_system.at(j, j) += c * mass_perm(static_cast<Eigen::Index>(j));
      return band_system.factorize();
    }
    std::copy(hessian.valuePtr(), hessian.valuePtr() + hessian.nonZeros(), system.valuePtr());
    for (std::size_t j = 0; j < n_coords; ++j)
      system.valuePtr()[diagonal[j]] += c * mass_perm(static_cast<Eigen::Index>(j));
    ldlt.factorize(system);
    return ldlt.info() == Eigen::Success;
  }
};

}  // namespace blobflow::stiff
