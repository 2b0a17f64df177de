// The target function f* and the data density nu of a network run (network.hpp, docs/math.md §10).
#include "blobflow/solvers/network.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "spec_text.hpp"

namespace blobflow {
namespace {

using spec_text::list;
using spec_text::number;

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& rule) {
  throw std::invalid_argument("network." + key + " = " + value + ": " + rule);
}

void require_finite(const std::string& key, std::span<const double> v) {
  for (double c : v)
    if (!std::isfinite(c)) bad(key, list(v), "must be finite numbers (the target function must be finite)");
}

void require_finite(const std::string& key, double v) {
  if (!std::isfinite(v)) bad(key, number(v), "must be finite (the target function must be finite)");
}

constexpr ComponentInfo kFunctionKinds[] = {
    {"zero", "f* = 0: the training flow is the wpme flow with rhobar = 1/nu"},
    {"quadratic", "f*(y) = height - curvature/2 |y - center|^2, concave for curvature >= 0"},
    {"mixture", "f*(y) = sum_k weights_k N(y; means_k, widths_k^2 I), weights of either sign"},
};

NetworkFunction make_quadratic(const NetworkFunctionSpec& s, int d) {
  require_finite("height", s.height);
  require_finite("curvature", s.curvature);
  require_finite("center", s.center);
  std::vector<double> c = s.center.empty() ? std::vector<double>(static_cast<std::size_t>(d), 0.0) : s.center;
  if (c.size() != static_cast<std::size_t>(d))
    bad("center", list(s.center), "must be empty (the origin) or hold d = " + std::to_string(d) + " numbers");
  return [c, h = s.height, a = s.curvature](std::span<const double> y) {
    double r2 = 0.0;
    for (std::size_t l = 0; l < y.size(); ++l) r2 += (y[l] - c[l]) * (y[l] - c[l]);
    return h - 0.5 * a * r2;
  };
}

NetworkFunction make_mixture(const NetworkFunctionSpec& s, int d) {
  const std::size_t k = s.weights.size(), n = static_cast<std::size_t>(d);
  if (k == 0) bad("weights", "[]", "a mixture needs at least one bump");
  require_finite("weights", s.weights);
  require_finite("means", s.means);
  require_finite("widths", s.widths);
  for (double w : s.weights)
    if (w == 0.0) bad("weights", list(s.weights), "must be non-zero");
  if (s.means.size() != k * n)
    bad("means", list(s.means), "needs weights.size() * d = " + std::to_string(k * n) + " numbers");
  if (s.widths.size() != k) bad("widths", list(s.widths), "needs weights.size() = " + std::to_string(k) + " numbers");
  for (double w : s.widths)
    if (!(w > 0.0)) bad("widths", list(s.widths), "must be > 0");
  return [s, n](std::span<const double> y) {
    double f = 0.0;
    for (std::size_t b = 0; b < s.weights.size(); ++b) {
      const double var = s.widths[b] * s.widths[b];
      double r2 = 0.0;
      for (std::size_t l = 0; l < n; ++l) r2 += (y[l] - s.means[b * n + l]) * (y[l] - s.means[b * n + l]);
      f += s.weights[b] * std::exp(-0.5 * r2 / var) / std::pow(2.0 * std::numbers::pi * var, 0.5 * static_cast<double>(n));
    }
    return f;
  };
}

/// The target with 1/rhobar = nu (network.hpp): nu = 0 off a bounded support, no floor.
class NetworkDataTarget final : public Target {
 public:
  NetworkDataTarget(std::unique_ptr<Target> data, std::optional<PiecewiseInverse> pieces)
      : data_(std::move(data)), pieces_(std::move(pieces)) {}
  int dimension() const override { return data_->dimension(); }
  double inverse_density(std::span<const double> y) const override {
    if (!pieces_) return data_->density(y);
    for (const InverseDensityBox& b : pieces_->boxes) {
      bool inside = true;
      for (std::size_t l = 0; l < y.size(); ++l) inside = inside && y[l] >= b.lo[l] && y[l] <= b.hi[l];
      if (inside) return b.inverse;
    }
    return 0.0;
  }
  double density(std::span<const double> y) const override { return 1.0 / inverse_density(y); }
  const PiecewiseInverse* piecewise_inverse() const override { return pieces_ ? &*pieces_ : nullptr; }
  std::optional<AxisBox> box() const override { return data_->box(); }
  std::string describe() const override { return "nu = " + data_->describe(); }

 private:
  std::unique_ptr<Target> data_;
  std::optional<PiecewiseInverse> pieces_;
};

}  // namespace

std::span<const ComponentInfo> network_function_registry() { return kFunctionKinds; }

NetworkFunction make_network_function(const NetworkFunctionSpec& spec, int dimension) {
  if (spec.kind == "zero") return [](std::span<const double>) { return 0.0; };
  if (spec.kind == "quadratic") return make_quadratic(spec, dimension);
  if (spec.kind == "mixture") return make_mixture(spec, dimension);
  std::vector<std::string> names;
  for (const ComponentInfo& c : kFunctionKinds) names.emplace_back(c.name);
  bad("function", "\"" + spec.kind + "\"", "must be \"zero\", \"quadratic\" or \"mixture\"" + did_you_mean(spec.kind, names));
}

std::shared_ptr<const Target> make_network_data(const TargetSpec& data, int dimension) {
  if (data.kind == "grid")
    throw std::invalid_argument("target.kind = \"grid\": a network's data density nu must be uniform (with a box), "
                                "piecewise, gaussian or mixture");
  if (is_uniform_on_whole_space(data))
    throw std::invalid_argument("target.kind = \"uniform\" without a box: a network's data density nu needs a box "
                                "(target.box_lo, target.box_hi) and finite mass");
  if (data.floor_fraction)
    throw std::invalid_argument("target.floor_fraction = " + number(*data.floor_fraction) +
                                ": a network's data density nu has no floor (nu = 0 off its support)");
  std::unique_ptr<Target> target = make_target(data, dimension);
  std::optional<PiecewiseInverse> pieces;
  double mass = 1.0;  // gaussian and mixture targets are probability densities
  if (const PiecewiseInverse* p = target->piecewise_inverse()) {
    pieces = PiecewiseInverse{0.0, {}};
    mass = 0.0;
    for (const InverseDensityBox& b : p->boxes) {
      InverseDensityBox box = b;
      box.inverse = 1.0 / b.inverse;  // nu on the box is rhobar there
      double volume = 1.0;
      for (int l = 0; l < dimension; ++l) volume *= b.hi[l] - b.lo[l];
      mass += box.inverse * volume;
      pieces->boxes.push_back(box);
    }
  }
  if (!(mass > 0.0) || !std::isfinite(mass))
    throw std::invalid_argument("target.kind = \"" + data.kind + "\": the data density nu has mass " + number(mass) +
                                ": must be finite and > 0");
  return std::make_shared<NetworkDataTarget>(std::move(target), std::move(pieces));
}

namespace {

/// Gauss-Legendre on [-1, 1], 8 points (4 symmetric pairs): exact to degree 15.
constexpr double kGlNodes[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363};
constexpr double kGlWeights[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763};
/// Panels per coordinate of a box are about its width / dy, capped here (8 nodes each): a quadratic f*^2 is exact
/// on any panel, Gaussian bumps need panels below their width.
constexpr double kMaxPanels = 64.0;

/// 1/2 int_B f*^2 over the box B by tensor Gauss-Legendre panels of width about dy.
double box_integral(const InverseDensityBox& b, std::size_t d, const NetworkFunction& f, double dy) {
  std::array<std::vector<double>, 3> nodes, weights;
  for (std::size_t l = 0; l < 3; ++l) {
    if (l >= d) {
      nodes[l] = {0.0};
      weights[l] = {1.0};
      continue;
    }
    const double width = b.hi[l] - b.lo[l];
    const double panels = std::clamp(std::ceil(width / dy), 1.0, kMaxPanels), h = width / panels;
    for (int p = 0; p < static_cast<int>(panels); ++p)
      for (int k = 0; k < 4; ++k)
        for (double sign : {-1.0, 1.0}) {
          nodes[l].push_back(b.lo[l] + (p + 0.5) * h + sign * 0.5 * h * kGlNodes[k]);
          weights[l].push_back(0.5 * h * kGlWeights[k]);
        }
  }
  double sum = 0.0;
  std::array<double, 3> y{};
  for (std::size_t i0 = 0; i0 < nodes[0].size(); ++i0)
    for (std::size_t i1 = 0; i1 < nodes[1].size(); ++i1)
      for (std::size_t i2 = 0; i2 < nodes[2].size(); ++i2) {
        y = {nodes[0][i0], nodes[1][i1], nodes[2][i2]};
        const double g = f(std::span<const double>(y.data(), d));
        sum += weights[0][i0] * weights[1][i1] * weights[2][i2] * g * g;
      }
  return 0.5 * sum;
}

}  // namespace

double network_risk_constant(const Target& data, const NetworkFunction& f, double dy) {
  const auto dim = static_cast<std::size_t>(data.dimension());
  // Piecewise-constant nu: 1/2 int f*^2 nu box by box, exactly up to the Gauss-Legendre error (the lattice's cell
  // means would leave O(dy^2) at the jumps).
  if (const PiecewiseInverse* p = data.piecewise_inverse()) {
    double c = 0.0;
    for (const InverseDensityBox& b : p->boxes) c += b.inverse * box_integral(b, dim, f, dy);
    return c;
  }
  // Smooth nu (gaussian, mixture): the lattice sum, spectrally accurate like the field's own quadrature.
  const std::optional<AxisBox> box = data.box();
  if (!box) throw std::invalid_argument("network risk: the data density has no box");
  const auto d = static_cast<std::size_t>(data.dimension());
  std::array<long long, 3> first{}, count{1, 1, 1};
  // The box widened by its own width on each side: a Gaussian's box reaches 6 standard deviations, where nu f*^2
  // may still matter for a quadratic f*; at 18 it is below exp(-162). Bounded data add only zero terms.
  for (std::size_t l = 0; l < d; ++l) {
    const double width = box->hi[l] - box->lo[l];
    first[l] = static_cast<long long>(std::floor((box->lo[l] - width) / dy)) - 1;
    count[l] = static_cast<long long>(std::ceil((box->hi[l] + width) / dy)) + 1 - first[l] + 1;
  }
  double sum = 0.0;
  std::array<double, 3> y{};
  const std::span<const double> point(y.data(), d);
  for (long long i0 = 0; i0 < count[0]; ++i0)
    for (long long i1 = 0; i1 < count[1]; ++i1)
      for (long long i2 = 0; i2 < count[2]; ++i2) {
        const std::array<long long, 3> i = {i0, i1, i2};
        for (std::size_t l = 0; l < d; ++l) y[l] = static_cast<double>(first[l] + i[l]) * dy;
        const double w = data.cell_inverse_density(point, dy);
        if (w == 0.0) continue;
        const double g = f(point);
        sum += w * g * g;
      }
  return 0.5 * std::pow(dy, static_cast<double>(d)) * sum;
}

}  // namespace blobflow
