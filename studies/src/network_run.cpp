// The network side of a run (network_run.hpp, docs/math.md §10.3, §10.4): SGD as the run's stepper, the minimizer
// rho_inf = (f* + lambda/nu)_+ of the continuum risk with R_inf, and the metrics against them.
#include "blobflow/studies/network_run.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "blobflow/analysis/piecewise_law1d.hpp"
#include "blobflow/analysis/semidiscrete_ot.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"
#include "blobflow/solvers/network.hpp"
#include "blobflow/solvers/network_sgd.hpp"
#include "blobflow/solvers/samplers.hpp"

namespace blobflow {
namespace {

/// One node of the quadrature of int_box g(y) dy: weight w (the cell volume times the Gauss-Legendre weights), the
/// point y, and f*(y), nu(y) there.
struct Node {
  double w, f, nu;
  std::array<double, 3> y;
};

/// 3-point Gauss-Legendre on [-1, 1]: exact for polynomials of degree 5 on each cell, so the only error is that of
/// the kink of (f* + lambda/nu)_+ where it reaches 0, O(h^2) of one cell's share.
constexpr double kGaussNodes[3] = {-0.7745966692414834, 0.0, 0.7745966692414834};
constexpr double kGaussWeights[3] = {5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0};

/// The nodes of `cells`^d equal cells of the box [lo, hi] (d = 1 or 2), nu = `nu` there.
void append_nodes(int d, const std::array<double, 3>& lo, const std::array<double, 3>& hi, int cells, double nu,
                  const NetworkFunction& f, std::vector<Node>& out) {
  const double h0 = (hi[0] - lo[0]) / cells, h1 = d == 2 ? (hi[1] - lo[1]) / cells : 1.0;
  const int c1 = d == 2 ? cells : 1, g1 = d == 2 ? 3 : 1;
  for (int i = 0; i < cells; ++i)
    for (int j = 0; j < c1; ++j)
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < g1; ++b) {
          Node n{};
          n.y[0] = lo[0] + h0 * (i + 0.5 + 0.5 * kGaussNodes[a]);
          n.w = 0.5 * h0 * kGaussWeights[a];
          if (d == 2) {
            n.y[1] = lo[1] + h1 * (j + 0.5 + 0.5 * kGaussNodes[b]);
            n.w *= 0.5 * h1 * kGaussWeights[b];
          }
          n.nu = nu;
          n.f = f(std::span<const double>(n.y.data(), static_cast<std::size_t>(d)));
          out.push_back(n);
        }
}

double rho_at(const Node& n, double lambda) { return std::max(0.0, n.f + lambda / n.nu); }

/// lambda and R_inf on the nodes: the mass int (f* + lambda/nu)_+ grows with lambda, so bisection on [-max f* nu, 0]
/// (mass 0 at the left end) finds the lambda of mass M where int (f*)_+ > M; otherwise lambda = 0.
std::pair<double, double> solve_minimizer(const std::vector<Node>& nodes, double mass) {
  const auto mass_of = [&](double lambda) {
    double m = 0.0;
    for (const Node& n : nodes) m += n.w * rho_at(n, lambda);
    return m;
  };
  double lambda = 0.0;
  if (mass_of(0.0) > mass) {
    double lo = 0.0, hi = 0.0;
    for (const Node& n : nodes) lo = std::min(lo, -n.f * n.nu);
    for (int k = 0; k < 200 && hi - lo > 1e-15 * std::abs(lo); ++k) {
      const double mid = 0.5 * (lo + hi);
      (mass_of(mid) > mass ? hi : lo) = mid;
    }
    lambda = 0.5 * (lo + hi);
  }
  double risk = 0.0;
  for (const Node& n : nodes) {
    const double e = rho_at(n, lambda) - n.f;
    risk += 0.5 * n.w * n.nu * e * e;
  }
  return {lambda, risk};
}

/// The nodes over every box of nu at `cells` (1D: per unit length; 2D: per box axis).
std::vector<Node> minimizer_nodes(int d, const PiecewiseInverse& nu, const NetworkFunction& f, int cells) {
  std::vector<Node> nodes;
  for (const InverseDensityBox& b : nu.boxes) {
    const int k = d == 1 ? std::max(8, static_cast<int>(std::ceil(cells * (b.hi[0] - b.lo[0])))) : cells;
    append_nodes(d, b.lo, b.hi, k, b.inverse, f, nodes);
  }
  return nodes;
}

/// rho_inf / M in 1D as a piecewise-constant law on the quadrature cells (3 nodes each), where its support is one
/// interval: null where cells of mass 0 lie between cells with mass, or boxes of nu leave a gap.
std::shared_ptr<const analysis::Law1D> law_1d(const PiecewiseInverse& nu, const NetworkFunction& f, int cells,
                                              double lambda) {
  std::vector<InverseDensityBox> boxes = nu.boxes;
  std::sort(boxes.begin(), boxes.end(), [](const auto& a, const auto& b) { return a.lo[0] < b.lo[0]; });
  std::vector<double> edges, masses;
  for (const InverseDensityBox& b : boxes) {
    std::vector<Node> nodes;
    const int k = std::max(8, static_cast<int>(std::ceil(cells * (b.hi[0] - b.lo[0]))));
    append_nodes(1, b.lo, b.hi, k, b.inverse, f, nodes);
    if (!edges.empty() && edges.back() != b.lo[0]) edges.push_back(b.lo[0]), masses.push_back(0.0);  // a gap
    if (edges.empty()) edges.push_back(b.lo[0]);
    for (int c = 0; c < k; ++c) {
      double m = 0.0;
      for (int a = 0; a < 3; ++a) m += nodes[static_cast<std::size_t>(3 * c + a)].w * rho_at(nodes[3 * c + a], lambda);
      edges.push_back(b.lo[0] + (b.hi[0] - b.lo[0]) * (c + 1) / k);
      masses.push_back(m);
    }
  }
  std::size_t first = 0, last = masses.size();
  while (first < last && !(masses[first] > 0.0)) ++first;
  while (last > first && !(masses[last - 1] > 0.0)) --last;
  if (first == last) return nullptr;
  for (std::size_t k = first; k < last; ++k)
    if (!(masses[k] > 0.0)) return nullptr;
  return std::make_shared<const analysis::PiecewiseConstantLaw1D>(
      std::span(edges).subspan(first, last - first + 1), std::span(masses).subspan(first, last - first));
}

/// rho_inf / M in 2D as a law constant on kMinimizerLawCells2D^2 cells per box of nu, each holding its cell's mass.
std::shared_ptr<const analysis::LawND> law_2d(const PiecewiseInverse& nu, const NetworkFunction& f, double lambda) {
  std::vector<analysis::PiecewiseConstantLawND::Piece> pieces;
  std::array<double, 3> lo{}, hi{};
  lo.fill(std::numeric_limits<double>::infinity());
  hi.fill(-std::numeric_limits<double>::infinity());
  constexpr int kSubcells = 4;  // quadrature cells per law cell and axis
  for (const InverseDensityBox& b : nu.boxes) {
    for (int l = 0; l < 2; ++l) lo[l] = std::min(lo[l], b.lo[l]), hi[l] = std::max(hi[l], b.hi[l]);
    const double w0 = (b.hi[0] - b.lo[0]) / kMinimizerLawCells2D, w1 = (b.hi[1] - b.lo[1]) / kMinimizerLawCells2D;
    for (int i = 0; i < kMinimizerLawCells2D; ++i)
      for (int j = 0; j < kMinimizerLawCells2D; ++j) {
        const std::array<double, 3> clo{b.lo[0] + i * w0, b.lo[1] + j * w1, 0.0};
        const std::array<double, 3> chi{clo[0] + w0, clo[1] + w1, 0.0};
        std::vector<Node> nodes;
        append_nodes(2, clo, chi, kSubcells, b.inverse, f, nodes);
        double m = 0.0;
        for (const Node& n : nodes) m += n.w * rho_at(n, lambda);
        pieces.push_back({analysis::Box{.dimension = 2, .lo = clo, .hi = chi}, m / (w0 * w1)});
      }
  }
  return std::make_shared<const analysis::PiecewiseConstantLawND>(analysis::Box{.dimension = 2, .lo = lo, .hi = hi},
                                                                  0.0, std::move(pieces));
}

bool all_finite(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double c) { return std::isfinite(c); });
}

class NetworkMetric final : public Metric {
 public:
  explicit NetworkMetric(NetworkMinimizer m) : m_(std::move(m)) {}
  std::string_view name() const override { return "network"; }
  void measure(const MetricInput& in, OutputMetrics& out) const override {
    out.set("risk_minimum", m_.risk);
    out.set("risk_excess", in.energy - m_.risk);
    if (!all_finite(in.x)) return;
    if (m_.law_1d) {
      out.set("w2_minimizer", analysis::wasserstein_1d(in.x, in.masses, *m_.law_1d).w2);
    } else if (m_.law_nd) {
      const analysis::SemiDiscreteResult r = analysis::semidiscrete_w2(in.x, in.masses, *m_.law_nd);
      out.set("w2_minimizer", r.w2);
      out.set("w2_minimizer_residual", r.residual);
    }
  }

 private:
  NetworkMinimizer m_;
};

/// The reference flow's tolerance: far below the SGD-to-flow distances measured (>= 1e-4), so they are SGD's own.
constexpr double kFlowRtol = 1e-10, kFlowAtol = 1e-12;

class SgdFlowMetric final : public Metric {
 public:
  explicit SgdFlowMetric(std::unique_ptr<VelocityField> flow) : flow_(std::move(flow)) {}
  std::string_view name() const override { return "network_sgd"; }
  void measure(const MetricInput& in, OutputMetrics& out) const override {
    if (!started_) {
      y_.assign(in.x.begin(), in.x.end());
      t_ = in.t;
      started_ = true;
    } else if (in.t > t_ && ok_) {
      const double times[1] = {in.t};
      const IntegrationStats s =
          integrate(*flow_, y_, t_, times, IntegratorSpec{.method = "dopri5", .rtol = kFlowRtol, .atol = kFlowAtol});
      ok_ = s.status == RunStatus::ok;
      t_ = in.t;
    }
    if (!ok_ || !all_finite(in.x) || y_.size() != in.x.size()) return;
    const std::size_t d = in.x.size() / in.masses.size();
    double sum = 0.0, mass = 0.0;
    for (std::size_t i = 0; i < in.masses.size(); ++i) {
      mass += in.masses[i];
      for (std::size_t l = 0; l < d; ++l) {
        const double gap = in.x[i * d + l] - y_[i * d + l];
        sum += in.masses[i] * gap * gap;
      }
    }
    out.set("sgd_to_flow", std::sqrt(sum / mass));
  }

 private:
  std::unique_ptr<VelocityField> flow_;
  mutable State y_;
  mutable double t_ = 0.0;
  mutable bool started_ = false, ok_ = true;
};

}  // namespace

bool trains_by_sgd(const RunConfig& config) {
  return config.problem.equation == kNetworkEquationName && config.network_training.training == "sgd";
}

std::unique_ptr<CustomStepper> make_sgd_stepper(const RunConfig& config, double epsilon,
                                                const std::vector<double>& masses) {
  const int d = config.problem.dimension;
  SgdSpec spec;
  spec.batch = config.network_training.batch;
  spec.step = config.network_training.step;
  spec.seed = stream_seed(static_cast<std::uint64_t>(config.discretization.seed), kDynamicsStream);
  return std::make_unique<SgdStepper>(d, epsilon, make_network_function(config.network, d),
                                      DataSampler(config.target, d), spec, masses);
}

std::optional<NetworkMinimizer> network_minimizer(const RunConfig& config, int cells_1d, int cells_2d) {
  const int d = config.problem.dimension;
  if (d > 2) return std::nullopt;
  const std::shared_ptr<const Target> nu = make_network_data(config.target, d);
  const PiecewiseInverse* pieces = nu->piecewise_inverse();
  if (!pieces) return std::nullopt;
  const NetworkFunction f = make_network_function(config.network, d);
  const double mass = config.problem.mass;
  const int cells = d == 1 ? cells_1d : cells_2d;
  NetworkMinimizer m;
  const std::vector<Node> nodes = minimizer_nodes(d, *pieces, f, cells);
  std::tie(m.lambda, m.risk) = solve_minimizer(nodes, mass);
  m.risk_error = std::abs(m.risk - solve_minimizer(minimizer_nodes(d, *pieces, f, cells / 2), mass).second);
  for (const Node& n : nodes) m.mass_on_support += n.w * rho_at(n, m.lambda);
  if (m.lambda < 0.0) {
    if (d == 1) m.law_1d = law_1d(*pieces, f, cells_1d, m.lambda);
    else m.law_nd = law_2d(*pieces, f, m.lambda);
  }
  return m;
}

std::unique_ptr<const Metric> make_network_metric(const RunConfig& config) {
  std::optional<NetworkMinimizer> m = network_minimizer(config);
  if (!m) return nullptr;
  return std::make_unique<const NetworkMetric>(std::move(*m));
}

std::unique_ptr<const Metric> make_sgd_flow_metric(std::unique_ptr<VelocityField> flow) {
  return std::make_unique<const SgdFlowMetric>(std::move(flow));
}

}  // namespace blobflow
