// Gauss rules on [0, 1] and collapsed rules on triangles and tetrahedra (cell_quadrature.hpp). Jacobi recurrence for
// the weight (1 - x)^alpha on [-1, 1] (beta = 0): a_k = (beta^2 - alpha^2) / ((2k+s)(2k+s+2)) with s = alpha + beta
// (a_0 = (beta - alpha)/(s + 2)), b_k^2 = 4k(k+alpha)(k+beta)(k+s) / ((2k+s)^2 (2k+s+1)(2k+s-1)), mu_0 =
// 2^(alpha+1)/(alpha+1) (Golub and Welsch, Math. Comp. 1969; Gautschi, "Orthogonal polynomials", 2004, Table 1.1).
#include "cell_quadrature.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <stdexcept>

#include "describe.hpp"

namespace blobflow::analysis::detail {
namespace {

/// Newton steps polishing each node; the eigenvalues start within a few ulps, so 3 steps reach round-off.
constexpr int kNewtonSteps = 3;

template <class Real>
struct Recurrence {
  std::vector<Real> a;  // diagonal a_0 .. a_{n-1}
  std::vector<Real> b;  // b_1 .. b_n at indices 1 .. n (b[0] unused)
  Real mu0 = 0.0;
};

template <class Real>
Recurrence<Real> jacobi_recurrence(int n, Real alpha) {
  const Real beta = 0.0;
  const Real s = alpha + beta;
  Recurrence<Real> r;
  r.a.resize(static_cast<std::size_t>(n));
  r.b.assign(static_cast<std::size_t>(n) + 1, 0.0);
  for (int k = 0; k < n; ++k) {
    const Real t = 2 * static_cast<Real>(k) + s;
    r.a[static_cast<std::size_t>(k)] = k == 0 ? (beta - alpha) / (s + 2.0) : (beta * beta - alpha * alpha) / (t * (t + 2.0));
  }
  for (int k = 1; k <= n; ++k) {
    const Real t = 2 * static_cast<Real>(k) + s;
    const Real kk = static_cast<Real>(k);
    r.b[static_cast<std::size_t>(k)] =
        std::sqrt(4.0 * kk * (kk + alpha) * (kk + beta) * (kk + s) / (t * t * (t + 1.0) * (t - 1.0)));
  }
  r.mu0 = std::pow(Real(2), alpha + 1) / (alpha + 1);
  return r;
}

/// p_n(x) and p_n'(x) of the orthonormal family, and sum_{k<n} p_k(x)^2.
template <class Real>
struct Evaluation {
  Real value;
  Real derivative;
  Real christoffel_sum;
};

template <class Real>
Evaluation<Real> evaluate(const Recurrence<Real>& r, int n, Real x) {
  Real p_prev = 0, p = 1 / std::sqrt(r.mu0);
  Real d_prev = 0, d = 0;
  Real sum = 0;
  for (int k = 0; k < n; ++k) {
    sum += p * p;
    const Real bk = r.b[static_cast<std::size_t>(k)];
    const Real bk1 = r.b[static_cast<std::size_t>(k) + 1];
    const Real ak = r.a[static_cast<std::size_t>(k)];
    const Real p_next = ((x - ak) * p - bk * p_prev) / bk1;
    const Real d_next = (p + (x - ak) * d - bk * d_prev) / bk1;
    p_prev = p;
    p = p_next;
    d_prev = d;
    d = d_next;
  }
  return {p, d, sum};
}

template <class Real>
BasicRule1D<Real> build_rule(int n, double alpha) {
  const Recurrence<Real> r = jacobi_recurrence<Real>(n, static_cast<Real>(alpha));
  Eigen::VectorXd diagonal(n), sub(std::max(n - 1, 0));
  for (int k = 0; k < n; ++k) diagonal[k] = static_cast<double>(r.a[static_cast<std::size_t>(k)]);
  for (int k = 1; k < n; ++k) sub[k - 1] = static_cast<double>(r.b[static_cast<std::size_t>(k)]);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver;
  solver.computeFromTridiagonal(diagonal, sub, Eigen::EigenvaluesOnly);
  BasicRule1D<Real> rule;
  rule.nodes.resize(static_cast<std::size_t>(n));
  rule.weights.resize(static_cast<std::size_t>(n));
  // [-1, 1] -> [0, 1] with (1-x)^alpha = 2^alpha (1-t)^alpha
  const Real scale = std::pow(Real(2), -static_cast<Real>(alpha) - 1);
  for (int i = 0; i < n; ++i) {
    Real x = solver.eigenvalues()[i];
    for (int step = 0; step < kNewtonSteps; ++step) {
      const Evaluation<Real> e = evaluate(r, n, x);
      if (e.derivative == 0) break;
      x -= e.value / e.derivative;
    }
    const Evaluation<Real> e = evaluate(r, n, x);
    rule.nodes[static_cast<std::size_t>(i)] = (1 + x) / 2;
    rule.weights[static_cast<std::size_t>(i)] = scale / e.christoffel_sum;
  }
  return rule;
}

void check_points(const char* where, int n, int max) {
  if (n < 1 || n > max)
    throw std::invalid_argument(describe(where, "n", n, "must be between 1 and " + std::to_string(max)));
}

SimplexRule build_simplex_rule(int dimension, int n) {
  SimplexRule rule;
  rule.dimension = dimension;
  const Rule1D& legendre = gauss_legendre(n);
  if (dimension == 1) {
    for (int i = 0; i < n; ++i) {
      const double t = legendre.nodes[static_cast<std::size_t>(i)];
      rule.barycentric.push_back({1.0 - t, t, 0.0, 0.0});
      rule.weights.push_back(legendre.weights[static_cast<std::size_t>(i)]);
    }
    return rule;
  }
  const Rule1D j1 = gauss_jacobi(n, 1.0);
  if (dimension == 2) {
    // x = (1-u)[(1-v) A + v B] + u C, dx = 2|T| (1-u) du dv.
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        const double u = j1.nodes[static_cast<std::size_t>(i)];
        const double v = legendre.nodes[static_cast<std::size_t>(j)];
        rule.barycentric.push_back({(1.0 - u) * (1.0 - v), (1.0 - u) * v, u, 0.0});
        rule.weights.push_back(2.0 * j1.weights[static_cast<std::size_t>(i)] * legendre.weights[static_cast<std::size_t>(j)]);
      }
    return rule;
  }
  // x = (1-u)[(1-v)((1-w) A + w B) + v C] + u D, dx = 6|T| (1-u)^2 (1-v) du dv dw.
  const Rule1D j2 = gauss_jacobi(n, 2.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k) {
        const double u = j2.nodes[static_cast<std::size_t>(i)];
        const double v = j1.nodes[static_cast<std::size_t>(j)];
        const double w = legendre.nodes[static_cast<std::size_t>(k)];
        rule.barycentric.push_back({(1.0 - u) * (1.0 - v) * (1.0 - w), (1.0 - u) * (1.0 - v) * w, (1.0 - u) * v, u});
        rule.weights.push_back(6.0 * j2.weights[static_cast<std::size_t>(i)] * j1.weights[static_cast<std::size_t>(j)] *
                               legendre.weights[static_cast<std::size_t>(k)]);
      }
  return rule;
}

}  // namespace

Rule1D gauss_jacobi(int n, double alpha) {
  check_points("gauss_jacobi", n, 4 * kMaxRulePoints);
  if (!(alpha > -1.0) || !std::isfinite(alpha))
    throw std::invalid_argument(describe("gauss_jacobi", "alpha", alpha, "must be finite and > -1"));
  return build_rule<double>(n, alpha);
}

ExtendedRule1D gauss_jacobi_extended(int n, double alpha) {
  check_points("gauss_jacobi_extended", n, 4 * kMaxRulePoints);
  if (!(alpha > -1.0) || !std::isfinite(alpha))
    throw std::invalid_argument(describe("gauss_jacobi_extended", "alpha", alpha, "must be finite and > -1"));
  return build_rule<long double>(n, alpha);
}

const Rule1D& gauss_legendre(int n) {
  check_points("gauss_legendre", n, kMaxRulePoints);
  static const std::vector<Rule1D> rules = [] {
    std::vector<Rule1D> all;
    for (int k = 1; k <= kMaxRulePoints; ++k) all.push_back(build_rule<double>(k, 0.0));
    return all;
  }();
  return rules[static_cast<std::size_t>(n) - 1];
}

const ExtendedRule1D& gauss_legendre_extended(int n) {
  check_points("gauss_legendre_extended", n, kMaxRulePoints);
  static const std::vector<ExtendedRule1D> rules = [] {
    std::vector<ExtendedRule1D> all;
    for (int k = 1; k <= kMaxRulePoints; ++k) all.push_back(build_rule<long double>(k, 0.0));
    return all;
  }();
  return rules[static_cast<std::size_t>(n) - 1];
}

const SimplexRule& simplex_rule(int dimension, int n) {
  check_points("simplex_rule", n, kMaxSimplexPoints);
  if (dimension < 1 || dimension > 3)
    throw std::invalid_argument(describe("simplex_rule", "dimension", dimension, "must be 1, 2 or 3"));
  static const std::array<std::vector<SimplexRule>, 3> rules = [] {
    std::array<std::vector<SimplexRule>, 3> all;
    for (int d = 1; d <= 3; ++d)
      for (int k = 1; k <= kMaxSimplexPoints; ++k) all[static_cast<std::size_t>(d) - 1].push_back(build_simplex_rule(d, k));
    return all;
  }();
  return rules[static_cast<std::size_t>(dimension) - 1][static_cast<std::size_t>(n) - 1];
}

}  // namespace blobflow::analysis::detail
