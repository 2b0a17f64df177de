// The target densities rhobar of wpme (docs/math.md §2.2–2.4): validation of a TargetSpec, the five kinds, and the grid
// file reader.
//
// Grid file format (kind "grid"): a CSV text file.
//   - Lines that are empty or start with '#' are skipped anywhere.
//   - The first other line is the header: `x,rhobar` (d = 1), `x,y,rhobar` (d = 2) or `x,y,z,rhobar` (d = 3); its
//     dimension must be the run's.
//   - Every further line is one grid node: d coordinates and the value, comma-separated decimal numbers.
//   - The nodes form a full regular tensor grid: along each axis l the coordinates take n_l >= 2 equally spaced
//     values (to 1e-9 of the spacing), every combination appears exactly once, in any order.
//   - Values are finite and >= 0, and at least one is > 0.
// rhobar is the multilinear interpolant inside the grid's box and, wherever that is below it (outside the box
// too), the floor floor_fraction * max value.
#include "blobflow/solvers/targets.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "spec_text.hpp"

namespace blobflow {
namespace {

using spec_text::list;
using spec_text::number;

[[noreturn]] void bad(const std::string& field, const std::string& value, const std::string& rule) {
  throw std::invalid_argument("target." + field + " = " + value + ": " + rule);
}

double floor_fraction(const TargetSpec& spec, bool bounded_support) {
  if (!spec.floor_fraction) return bounded_support ? kDefaultFloorFraction : 0.0;
  const double f = *spec.floor_fraction;
  if (!(f > 0.0 && f < 1.0)) bad("floor_fraction", number(f), "must lie in (0, 1)");
  return f;
}

// ---- Piecewise constant: uniform on a box, and "piecewise" (docs/math.md §2.4 item 1).

class PiecewiseConstantTarget final : public Target {
 public:
  PiecewiseConstantTarget(int d, std::vector<TargetBox> boxes, double floor, std::string label)
      : dim_(d), boxes_(std::move(boxes)), floor_(floor), label_(std::move(label)) {
    inverse_.outside = 1.0 / floor_;
    for (const TargetBox& b : boxes_) {
      InverseDensityBox c;
      for (int l = 0; l < d; ++l) {
        c.lo[static_cast<std::size_t>(l)] = b.lo[static_cast<std::size_t>(l)];
        c.hi[static_cast<std::size_t>(l)] = b.hi[static_cast<std::size_t>(l)];
      }
      c.inverse = 1.0 / b.value;
      inverse_.boxes.push_back(c);
    }
  }

  int dimension() const override { return dim_; }
  double density(std::span<const double> y) const override { return 1.0 / inverse_density(y); }
  double inverse_density(std::span<const double> y) const override {
    for (const InverseDensityBox& b : inverse_.boxes) {
      bool inside = true;
      for (std::size_t l = 0; l < static_cast<std::size_t>(dim_); ++l) inside = inside && y[l] >= b.lo[l] && y[l] <= b.hi[l];
      if (inside) return b.inverse;
    }
    return inverse_.outside;
  }
  const PiecewiseInverse* piecewise_inverse() const override { return &inverse_; }
  /// The law the samplers draw from lives on the hull of the pieces (the floor outside has infinite mass).
  double log_density(std::span<const double> y) const override {
    const AxisBox hull = *box();
    for (std::size_t l = 0; l < static_cast<std::size_t>(dim_); ++l)
      if (!(y[l] >= hull.lo[l] && y[l] <= hull.hi[l])) return -INFINITY;
    return -std::log(inverse_density(y));
  }
  std::optional<AxisBox> box() const override {
    AxisBox hull;
    for (std::size_t l = 0; l < static_cast<std::size_t>(dim_); ++l) {
      hull.lo[l] = INFINITY, hull.hi[l] = -INFINITY;
      for (const TargetBox& b : boxes_) hull.lo[l] = std::min(hull.lo[l], b.lo[l]), hull.hi[l] = std::max(hull.hi[l], b.hi[l]);
    }
    return hull;
  }
  std::string describe() const override {
    std::string s = label_ + " (floor " + number(floor_) + ")";
    return s;
  }

 private:
  int dim_;
  std::vector<TargetBox> boxes_;
  double floor_;
  std::string label_;
  PiecewiseInverse inverse_;
};

// ---- Gaussian and mixtures of Gaussians.

/// One normalized Gaussian N(mean, covariance) in d <= 3 dimensions, through the Cholesky factor of the covariance.
struct GaussianComponent {
  int d = 1;
  std::array<double, 3> mean{};
  std::array<double, 9> cholesky{};  // lower triangular L with L L^T = covariance, row-major
  std::array<double, 9> covariance{};  // as given, row-major in a 3 x 3 array
  std::array<double, 3> sd{};        // sqrt(covariance_kk), the standard deviation of each coordinate
  double log_norm = 0.0;            // log of (2 pi)^(-d/2) det(covariance)^(-1/2)

  /// -1/2 (y - mean)^T covariance^-1 (y - mean) + log_norm, by forward substitution L z = y - mean.
  double log_density(std::span<const double> y) const {
    std::array<double, 3> z{};
    double q = 0.0;
    for (int i = 0; i < d; ++i) {
      double r = y[static_cast<std::size_t>(i)] - mean[static_cast<std::size_t>(i)];
      for (int j = 0; j < i; ++j) r -= cholesky[static_cast<std::size_t>(3 * i + j)] * z[static_cast<std::size_t>(j)];
      z[static_cast<std::size_t>(i)] = r / cholesky[static_cast<std::size_t>(3 * i + i)];
      q += z[static_cast<std::size_t>(i)] * z[static_cast<std::size_t>(i)];
    }
    return log_norm - 0.5 * q;
  }

  /// The score grad log N(y; mean, covariance) = -covariance^-1 (y - mean), by forward and back substitution with L.
  void score(std::span<const double> y, std::span<double> g) const {
    std::array<double, 3> z{};
    for (int i = 0; i < d; ++i) {
      double r = y[static_cast<std::size_t>(i)] - mean[static_cast<std::size_t>(i)];
      for (int j = 0; j < i; ++j) r -= cholesky[static_cast<std::size_t>(3 * i + j)] * z[static_cast<std::size_t>(j)];
      z[static_cast<std::size_t>(i)] = r / cholesky[static_cast<std::size_t>(3 * i + i)];
    }
    for (int i = d - 1; i >= 0; --i) {
      double r = z[static_cast<std::size_t>(i)];
      for (int j = i + 1; j < d; ++j) r -= cholesky[static_cast<std::size_t>(3 * j + i)] * g[static_cast<std::size_t>(j)];
      g[static_cast<std::size_t>(i)] = r / cholesky[static_cast<std::size_t>(3 * i + i)];
    }
    for (int i = 0; i < d; ++i) g[static_cast<std::size_t>(i)] = -g[static_cast<std::size_t>(i)];
  }
};

GaussianComponent make_component(int d, std::span<const double> mean, std::span<const double> cov,
                                 const std::string& mean_field, const std::string& cov_field) {
  const auto n = static_cast<std::size_t>(d);
  if (mean.size() != n) bad(mean_field, list(mean), "needs " + std::to_string(d) + " entries (the dimension)");
  if (cov.size() != n * n)
    bad(cov_field, list(cov), "needs " + std::to_string(d * d) + " entries (a d x d matrix, row-major)");
  GaussianComponent g;
  g.d = d;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(mean[i])) bad(mean_field, list(mean), "entries must be finite");
    g.mean[i] = mean[i];
    g.sd[i] = std::sqrt(cov[i * n + i]);
    for (std::size_t j = 0; j < n; ++j) {
      if (!std::isfinite(cov[i * n + j])) bad(cov_field, list(cov), "entries must be finite");
      g.covariance[3 * i + j] = cov[i * n + j];
      // Symmetry to a few ulps of the larger entry: the matrix is typed by a person or produced by arithmetic.
      constexpr double kSymmetryUlps = 8.0;
      const double scale = std::max(std::abs(cov[i * n + j]), std::abs(cov[j * n + i]));
      if (std::abs(cov[i * n + j] - cov[j * n + i]) > kSymmetryUlps * std::numeric_limits<double>::epsilon() * scale)
        bad(cov_field, list(cov), "must be symmetric");
    }
  }
  // Cholesky factorization; a non-positive pivot means the matrix is not positive definite.
  double log_det = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      double s = cov[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= g.cholesky[3 * i + k] * g.cholesky[3 * j + k];
      if (i == j) {
        if (!(s > 0.0)) bad(cov_field, list(cov), "must be positive definite");
        g.cholesky[3 * i + i] = std::sqrt(s);
        log_det += std::log(s);
      } else {
        g.cholesky[3 * i + j] = s / g.cholesky[3 * j + j];
      }
    }
  }
  g.log_norm = -0.5 * d * std::log(2.0 * std::numbers::pi) - 0.5 * log_det;
  return g;
}

/// sum_k w_k N(mean_k, covariance_k) (one component for kind "gaussian"), floored at floor_fraction times the value
/// at the largest component mean (a lower bound of the maximum, exact for one component) when a floor is set.
class GaussianMixtureTarget final : public Target {
 public:
  GaussianMixtureTarget(int d, std::vector<double> weights, std::vector<GaussianComponent> components,
                        double floor_fraction, std::string label)
      : dim_(d), weights_(std::move(weights)), components_(std::move(components)), label_(std::move(label)) {
    double peak = 0.0;
    for (const GaussianComponent& c : components_)
      peak = std::max(peak, raw_density(std::span<const double>(c.mean.data(), static_cast<std::size_t>(d))));
    floor_ = floor_fraction * peak;
  }

  int dimension() const override { return dim_; }
  double density(std::span<const double> y) const override { return std::max(raw_density(y), floor_); }
  double inverse_density(std::span<const double> y) const override {
    if (components_.size() == 1 && floor_ == 0.0) return std::exp(-components_[0].log_density(y));  // no underflow
    return 1.0 / density(y);
  }
  /// log sum_k w_k N_k(y) by the log-sum-exp of the components' log densities (finite where every exp underflows),
  /// then the floor.
  double log_density(std::span<const double> y) const override {
    const double raw = log_raw_density(y, {});
    return floor_ > 0.0 ? std::max(raw, std::log(floor_)) : raw;
  }
  bool has_score() const override { return true; }
  /// sum_k r_k(y) grad log N_k(y) with the responsibilities r_k = w_k N_k(y) / sum_l w_l N_l(y) (0 on the floor).
  void score(std::span<const double> y, std::span<double> g) const override {
    const auto n = static_cast<std::size_t>(dim_);
    std::array<double, 3> component_score{};
    std::fill(g.begin(), g.begin() + dim_, 0.0);
    std::vector<double> log_terms(components_.size());
    const double log_total = log_raw_density(y, log_terms);
    if (floor_ > 0.0 && log_total < std::log(floor_)) return;
    for (std::size_t k = 0; k < components_.size(); ++k) {
      const double responsibility = std::exp(log_terms[k] - log_total);
      components_[k].score(y, component_score);
      for (std::size_t i = 0; i < n; ++i) g[i] += responsibility * component_score[i];
    }
  }
  std::optional<AxisBox> box() const override {
    AxisBox hull;
    for (std::size_t l = 0; l < static_cast<std::size_t>(dim_); ++l) {
      hull.lo[l] = INFINITY, hull.hi[l] = -INFINITY;
      for (const GaussianComponent& c : components_) {
        hull.lo[l] = std::min(hull.lo[l], c.mean[l] - kGaussianBoxRadius * c.sd[l]);
        hull.hi[l] = std::max(hull.hi[l], c.mean[l] + kGaussianBoxRadius * c.sd[l]);
      }
    }
    return hull;
  }
  std::vector<NormalComponent> normal_components() const override {
    if (floor_ > 0.0) return {};
    std::vector<NormalComponent> out;
    const auto n = static_cast<std::size_t>(dim_);
    for (std::size_t k = 0; k < components_.size(); ++k) {
      NormalComponent c{.weight = weights_[k], .mean = components_[k].mean};
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) c.covariance[i * n + j] = components_[k].covariance[3 * i + j];
      out.push_back(c);
    }
    return out;
  }
  std::string describe() const override {
    return label_ + (floor_ > 0.0 ? " (floor " + number(floor_) + ")" : std::string());
  }

 private:
  double raw_density(std::span<const double> y) const {
    double s = 0.0;
    for (std::size_t k = 0; k < components_.size(); ++k) s += weights_[k] * std::exp(components_[k].log_density(y));
    return s;
  }
  /// log sum_k w_k N_k(y), shifted by the largest term; `terms`, when not empty, receives log(w_k N_k(y)).
  double log_raw_density(std::span<const double> y, std::span<double> terms) const {
    double largest = -INFINITY, sum = 0.0;
    std::vector<double> local;
    if (terms.empty()) local.resize(components_.size()), terms = local;
    for (std::size_t k = 0; k < components_.size(); ++k) {
      terms[k] = std::log(weights_[k]) + components_[k].log_density(y);
      largest = std::max(largest, terms[k]);
    }
    for (std::size_t k = 0; k < components_.size(); ++k) sum += std::exp(terms[k] - largest);
    return largest + std::log(sum);
  }

  int dim_;
  std::vector<double> weights_;
  std::vector<GaussianComponent> components_;
  double floor_ = 0.0;
  std::string label_;
};

// ---- Sampled on a regular tensor grid.

class GridTarget final : public Target {
 public:
  GridTarget(int d, std::array<double, 3> origin, std::array<double, 3> spacing, std::array<std::size_t, 3> count,
             std::vector<double> values, double floor_fraction, std::string label)
      : dim_(d), origin_(origin), spacing_(spacing), count_(count), values_(std::move(values)),
        label_(std::move(label)) {
    floor_ = floor_fraction * *std::max_element(values_.begin(), values_.end());
  }

  int dimension() const override { return dim_; }
  double inverse_density(std::span<const double> y) const override { return 1.0 / density(y); }
  /// The law the samplers draw from lives on the grid's box (the floor outside has infinite mass).
  double log_density(std::span<const double> y) const override {
    for (std::size_t l = 0; l < static_cast<std::size_t>(dim_); ++l) {
      const double s = (y[l] - origin_[l]) / spacing_[l];
      if (!(s >= 0.0 && s <= static_cast<double>(count_[l] - 1))) return -INFINITY;
    }
    return std::log(density(y));
  }
  double density(std::span<const double> y) const override {
    // Multilinear interpolation in the cell containing y; outside the grid's box only the floor.
    std::array<std::size_t, 3> cell{};
    std::array<double, 3> frac{};
    for (std::size_t l = 0; l < static_cast<std::size_t>(dim_); ++l) {
      const double s = (y[l] - origin_[l]) / spacing_[l];
      const double last = static_cast<double>(count_[l] - 1);
      if (!(s >= 0.0 && s <= last)) return floor_;
      const double c = std::min(std::floor(s), last - 1.0);
      cell[l] = static_cast<std::size_t>(c);
      frac[l] = s - c;
    }
    double value = 0.0;
    const std::size_t corners = std::size_t{1} << dim_;
    for (std::size_t corner = 0; corner < corners; ++corner) {
      double weight = 1.0;
      std::size_t index = 0;
      for (std::size_t l = 0; l < static_cast<std::size_t>(dim_); ++l) {
        const bool up = (corner >> l) & 1U;
        weight *= up ? frac[l] : 1.0 - frac[l];
        index = index * count_[l] + cell[l] + (up ? 1 : 0);
      }
      value += weight * values_[index];
    }
    return std::max(value, floor_);
  }
  std::string describe() const override { return label_ + " (floor " + number(floor_) + ")"; }

 private:
  int dim_;
  std::array<double, 3> origin_, spacing_;
  std::array<std::size_t, 3> count_;
  std::vector<double> values_;  // row-major: index = ((i0 n1) + i1) n2 + i2
  double floor_ = 0.0;
  std::string label_;
};

[[noreturn]] void bad_file(const std::string& file, std::size_t line, const std::string& rule) {
  throw std::runtime_error("target.grid_file \"" + file + "\"" +
                           (line > 0 ? ", line " + std::to_string(line) : std::string()) + ": " + rule);
}

std::vector<std::string> split_csv(const std::string& text) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream s(text);
  while (std::getline(s, field, ',')) {
    const auto first = field.find_first_not_of(" \t\r");
    const auto last = field.find_last_not_of(" \t\r");
    fields.push_back(first == std::string::npos ? std::string() : field.substr(first, last - first + 1));
  }
  if (!text.empty() && text.back() == ',') fields.emplace_back();
  return fields;
}

std::unique_ptr<Target> read_grid_target(const std::string& file, int d, double floor_fraction) {
  std::ifstream in(file);
  if (!in) bad_file(file, 0, "cannot be opened for reading");
  const auto n = static_cast<std::size_t>(d);
  static const char* const kHeaders[] = {"x,rhobar", "x,y,rhobar", "x,y,z,rhobar"};
  std::vector<std::array<double, 4>> rows;
  std::string text;
  std::size_t line = 0;
  bool header_seen = false;
  while (std::getline(in, text)) {
    ++line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos || text[first] == '#') continue;
    const std::vector<std::string> fields = split_csv(text);
    if (!header_seen) {
      std::string joined;
      for (std::size_t i = 0; i < fields.size(); ++i) joined += (i ? "," : "") + fields[i];
      if (joined != kHeaders[d - 1])
        bad_file(file, line, "header \"" + joined + "\" must be \"" + kHeaders[d - 1] + "\" for dimension " +
                                 std::to_string(d));
      header_seen = true;
      continue;
    }
    if (fields.size() != n + 1)
      bad_file(file, line, "has " + std::to_string(fields.size()) + " fields, needs " + std::to_string(n + 1));
    std::array<double, 4> row{};
    for (std::size_t i = 0; i <= n; ++i) {
      std::size_t used = 0;
      double value = 0.0;
      try {
        value = std::stod(fields[i], &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != fields[i].size() || !std::isfinite(value))
        bad_file(file, line, "field " + std::to_string(i + 1) + " \"" + fields[i] + "\" is not a finite number");
      row[i] = value;
    }
    if (row[n] < 0.0) bad_file(file, line, "rhobar = " + number(row[n]) + " must be >= 0");
    rows.push_back(row);
  }
  if (!header_seen) bad_file(file, 0, "is empty: needs the header \"" + std::string(kHeaders[d - 1]) + "\"");

  // The axes: the sorted distinct coordinates along each axis, equally spaced, at least two.
  std::array<double, 3> origin{}, spacing{};
  std::array<std::size_t, 3> count{1, 1, 1};
  std::array<std::vector<double>, 3> axes;
  for (std::size_t l = 0; l < n; ++l) {
    for (const auto& r : rows) axes[l].push_back(r[l]);
    std::sort(axes[l].begin(), axes[l].end());
    axes[l].erase(std::unique(axes[l].begin(), axes[l].end()), axes[l].end());
    if (axes[l].size() < 2)
      bad_file(file, 0, "axis " + std::to_string(l + 1) + " has " + std::to_string(axes[l].size()) +
                            " distinct coordinates, needs >= 2");
    origin[l] = axes[l].front();
    count[l] = axes[l].size();
    spacing[l] = (axes[l].back() - axes[l].front()) / static_cast<double>(count[l] - 1);
    // Equal spacing to 1e-9 of the spacing: coordinates written with about 10 significant digits pass.
    constexpr double kSpacingTolerance = 1e-9;
    for (std::size_t i = 0; i < count[l]; ++i)
      if (std::abs(axes[l][i] - (origin[l] + static_cast<double>(i) * spacing[l])) > kSpacingTolerance * spacing[l])
        bad_file(file, 0, "axis " + std::to_string(l + 1) + " coordinate " + number(axes[l][i]) +
                              " is off the regular spacing " + number(spacing[l]));
  }
  std::size_t total = 1;
  for (std::size_t l = 0; l < n; ++l) total *= count[l];
  std::vector<double> values(total, 0.0);
  std::vector<char> seen(total, 0);
  // Rows are matched to nodes by their rank on each axis (exact: the coordinates come from the same rows).
  line = 0;
  for (const auto& r : rows) {
    std::size_t index = 0;
    for (std::size_t l = 0; l < n; ++l) {
      const auto rank = static_cast<std::size_t>(std::lower_bound(axes[l].begin(), axes[l].end(), r[l]) - axes[l].begin());
      index = index * count[l] + rank;
    }
    if (seen[index]) {
      std::string at;
      for (std::size_t l = 0; l < n; ++l) at += (l ? ", " : "") + number(r[l]);
      bad_file(file, 0, "node (" + at + ") appears more than once");
    }
    seen[index] = 1;
    values[index] = r[n];
  }
  if (rows.size() != total)
    bad_file(file, 0, "has " + std::to_string(rows.size()) + " nodes, a full tensor grid of these axes needs " +
                          std::to_string(total));
  if (!(*std::max_element(values.begin(), values.end()) > 0.0)) bad_file(file, 0, "all rhobar values are 0");
  std::string label = "grid \"" + file + "\" (";
  for (std::size_t l = 0; l < n; ++l) label += (l ? " x " : "") + std::to_string(count[l]);
  label += " nodes)";
  return std::make_unique<GridTarget>(d, origin, spacing, count, std::move(values), floor_fraction, label);
}

std::vector<double> broadcast(const std::vector<double>& v, int d) {
  return v.size() == 1 ? std::vector<double>(static_cast<std::size_t>(d), v[0]) : v;
}

TargetBox checked_box(const std::vector<double>& lo, const std::vector<double>& hi, double value, int d,
                      const std::string& field) {
  const auto n = static_cast<std::size_t>(d);
  if (lo.size() != n || hi.size() != n)
    bad(field, list(lo) + " .. " + list(hi), "needs " + std::to_string(d) + " lower and upper corners");
  for (std::size_t l = 0; l < n; ++l)
    if (!(std::isfinite(lo[l]) && std::isfinite(hi[l]) && hi[l] > lo[l]))
      bad(field, list(lo) + " .. " + list(hi), "needs finite corners with hi > lo in every coordinate");
  if (!(value > 0.0) || !std::isfinite(value)) bad(field + ".value", number(value), "must be finite and > 0");
  return {lo, hi, value};
}

// ---- The kinds: one builder each, listed once in kTargetKinds.

std::unique_ptr<Target> make_uniform_target(const TargetSpec& spec, int d) {
  const auto n = static_cast<std::size_t>(d);
  if (is_uniform_on_whole_space(spec))
    bad("kind", "\"uniform\"", "without a box this is rhobar == 1 on R^d, built as WpmeUniformTarget, not a Target");
  const std::vector<double> lo = broadcast(spec.box_lo, d), hi = broadcast(spec.box_hi, d);
  if (lo.size() != n || hi.size() != n)
    bad("box_lo/box_hi", list(spec.box_lo) + " / " + list(spec.box_hi),
        "need 1 or " + std::to_string(d) + " entries each");
  double volume = 1.0;
  for (std::size_t l = 0; l < n; ++l) volume *= hi[l] - lo[l];
  TargetBox box = checked_box(lo, hi, 1.0, d, "box_lo/box_hi");
  box.value = 1.0 / volume;
  const double floor = floor_fraction(spec, true) * box.value;
  return std::make_unique<PiecewiseConstantTarget>(d, std::vector<TargetBox>{box}, floor,
                                                   "uniform on " + list(lo) + " .. " + list(hi));
}

std::unique_ptr<Target> make_gaussian_target(const TargetSpec& spec, int d) {
  std::vector<GaussianComponent> c{make_component(d, spec.mean, spec.covariance, "mean", "covariance")};
  return std::make_unique<GaussianMixtureTarget>(d, std::vector<double>{1.0}, std::move(c),
                                                 floor_fraction(spec, false),
                                                 "gaussian mean " + list(spec.mean) + " covariance " +
                                                     list(spec.covariance));
}

std::unique_ptr<Target> make_mixture_target(const TargetSpec& spec, int d) {
  const auto n = static_cast<std::size_t>(d);
  const std::size_t k = spec.weights.size();
  if (k == 0) bad("weights", list(spec.weights), "a mixture needs at least one component");
  double total = 0.0;
  for (double w : spec.weights) {
    if (!(w > 0.0) || !std::isfinite(w)) bad("weights", list(spec.weights), "weights must be finite and > 0");
    total += w;
  }
  if (spec.means.size() != k * n)
    bad("means", list(spec.means), "needs weights.size() * d = " + std::to_string(k * n) + " entries");
  if (spec.covariances.size() != k * n * n)
    bad("covariances", list(spec.covariances),
        "needs weights.size() * d * d = " + std::to_string(k * n * n) + " entries");
  std::vector<GaussianComponent> components;
  std::vector<double> weights;
  for (std::size_t i = 0; i < k; ++i) {
    components.push_back(make_component(d, std::span(spec.means).subspan(i * n, n),
                                        std::span(spec.covariances).subspan(i * n * n, n * n), "means",
                                        "covariances"));
    weights.push_back(spec.weights[i] / total);
  }
  return std::make_unique<GaussianMixtureTarget>(d, std::move(weights), std::move(components),
                                                 floor_fraction(spec, false),
                                                 "mixture of " + std::to_string(k) + " gaussians");
}

std::unique_ptr<Target> make_piecewise_target(const TargetSpec& spec, int d) {
  const auto n = static_cast<std::size_t>(d);
  if (spec.pieces.empty()) bad("pieces", "[]", "a piecewise target needs at least one box");
  std::vector<TargetBox> boxes;
  double peak = 0.0;
  for (std::size_t i = 0; i < spec.pieces.size(); ++i) {
    const TargetBox& p = spec.pieces[i];
    boxes.push_back(checked_box(p.lo, p.hi, p.value, d, "pieces[" + std::to_string(i) + "]"));
    peak = std::max(peak, p.value);
  }
  for (std::size_t i = 0; i < boxes.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      bool overlap = true;
      for (std::size_t l = 0; l < n; ++l)
        overlap = overlap && std::max(boxes[i].lo[l], boxes[j].lo[l]) < std::min(boxes[i].hi[l], boxes[j].hi[l]);
      if (overlap)
        bad("pieces[" + std::to_string(i) + "]", list(boxes[i].lo) + " .. " + list(boxes[i].hi),
            "overlaps pieces[" + std::to_string(j) + "]: boxes must have disjoint interiors");
    }
  const double floor = floor_fraction(spec, true) * peak;
  return std::make_unique<PiecewiseConstantTarget>(d, std::move(boxes), floor,
                                                   "piecewise (" + std::to_string(spec.pieces.size()) + " boxes)");
}

std::unique_ptr<Target> make_grid_target(const TargetSpec& spec, int d) {
  if (spec.grid_file.empty()) bad("grid_file", "\"\"", "kind \"grid\" needs the path of a grid file");
  return read_grid_target(spec.grid_file, d, floor_fraction(spec, true));
}

/// A target kind: its name, what `blobflow list targets` says of it, and its builder.
struct TargetKind {
  std::string_view name;
  std::string_view description;
  std::unique_ptr<Target> (*make)(const TargetSpec&, int dimension);
};

constexpr TargetKind kTargetKinds[] = {
    {"uniform",
     "rhobar == 1 on all of R^d (then wpme is d/dt rho = 1/2 Lap rho^2); with a box [lo, hi]: the uniform "
     "probability density there, floor outside",
     make_uniform_target},
    {"gaussian", "Gaussian density with a mean and a covariance matrix (d = 1, 2, 3), positive everywhere",
     make_gaussian_target},
    {"mixture", "weighted sum of Gaussians (weights, means, covariances); not log-concave in general",
     make_mixture_target},
    {"piecewise", "constant on disjoint intervals (1D) or axis-aligned boxes (2D, 3D), floor elsewhere",
     make_piecewise_target},
    {"grid", "sampled on a regular tensor grid read from a CSV file (x[,y[,z]],rhobar), multilinear, floor outside",
     make_grid_target},
};
constexpr Registry<TargetKind> kTargetRegistry{std::span<const TargetKind>(kTargetKinds)};

/// The same list as ComponentInfo, for `blobflow list targets`.
constexpr auto kTargetInfo = [] {
  std::array<ComponentInfo, std::size(kTargetKinds)> info{};
  for (std::size_t k = 0; k < info.size(); ++k) info[k] = {kTargetKinds[k].name, kTargetKinds[k].description};
  return info;
}();

}  // namespace

std::span<const ComponentInfo> target_registry() { return kTargetInfo; }

bool is_uniform_on_whole_space(const TargetSpec& spec) {
  return spec.kind == kTargetKinds[0].name && spec.box_lo.empty() && spec.box_hi.empty();
}

void Target::score(std::span<const double>, std::span<double>) const {
  throw std::logic_error("Target::score: " + describe() + " has no score grad log rhobar (has_score() is false)");
}

double Target::cell_inverse_density(std::span<const double> y, double dy) const {
  const PiecewiseInverse* p = piecewise_inverse();
  if (p == nullptr) return inverse_density(y);
  // outside + sum_k (w_k - outside) |cell ∩ B_k| / |cell|, exact since the boxes are disjoint.
  double w = p->outside;
  for (const InverseDensityBox& b : p->boxes) {
    double fraction = 1.0;
    for (std::size_t l = 0; l < static_cast<std::size_t>(dimension()); ++l) {
      const double overlap = std::min(y[l] + 0.5 * dy, b.hi[l]) - std::max(y[l] - 0.5 * dy, b.lo[l]);
      fraction *= std::max(overlap, 0.0) / dy;
    }
    w += (b.inverse - p->outside) * fraction;
  }
  return w;
}

std::unique_ptr<Target> make_target(const TargetSpec& spec, int d) {
  if (d < 1 || d > 3) throw std::invalid_argument("dimension = " + std::to_string(d) + ": must be 1, 2 or 3");
  return kTargetRegistry.require(spec.kind, {"target.kind"}).make(spec, d);
}

}  // namespace blobflow
