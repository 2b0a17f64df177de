// The uniform law on a box and mixtures of laws on R^d (law_nd.hpp), the simplest continuous sides of semi-discrete
// optimal transport (docs/math.md §6.1). The uniform law is integrated exactly: a cell is fanned into simplices and each
// simplex S with vertices v_0..v_d contributes, with w_i = v_i - y,
//   int_S 1 = |S|,  int_S (x - y) = |S| mean_i(w_i),
//   int_S |x - y|^2 = |S| (sum_i |w_i|^2 + |sum_i w_i|^2) / ((d+1)(d+2))
// (the second moment of a simplex: the barycentric coordinates are Dirichlet(1, ..., 1) distributed, so
// E[l_i l_j] = (1 + delta_ij)/((d+1)(d+2))). A facet's integral is the measure of its part inside the box over |box|.
#include "blobflow/analysis/law_nd.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "cell_quadrature.hpp"
#include "describe.hpp"

namespace blobflow::analysis {
namespace {

using detail::describe;

bool inside_box(const Box& box, const Point3& x) {
  for (int k = 0; k < box.dimension; ++k)
    if (!(x[k] >= box.lo[k] && x[k] <= box.hi[k])) return false;
  return true;
}

/// The part of a facet polygon (3D: a vertex loop; 2D: a segment) inside the box, by Sutherland-Hodgman against the
/// 2d half-spaces of the box, and its measure.
double facet_measure_in_box(const ConvexCell& cell, const ConvexCell::Facet& facet, const Box& box) {
  if (cell.dimension == 1) return inside_box(box, cell.vertices[static_cast<std::size_t>(facet.vertices[0])]) ? 1.0 : 0.0;
  static thread_local std::vector<Point3> loop, next;
  loop.clear();
  for (int v : facet.vertices) loop.push_back(cell.vertices[static_cast<std::size_t>(v)]);
  const bool closed = cell.dimension == 3;  // a 2D facet is an open segment
  for (int k = 0; k < cell.dimension && loop.size() >= 2; ++k) {
    for (int side = 0; side < 2 && loop.size() >= 2; ++side) {
      // keep sign * (x_k - bound) <= 0
      const double sign = side == 0 ? -1.0 : 1.0;
      const double bound = side == 0 ? box.lo[k] : box.hi[k];
      next.clear();
      const std::size_t m = loop.size();
      const std::size_t edges = closed ? m : m - 1;
      const auto distance = [&](const Point3& p) { return sign * (p[k] - bound); };
      if (!closed && distance(loop[0]) <= 0.0) next.push_back(loop[0]);
      for (std::size_t i = 0; i < edges; ++i) {
        const Point3& a = loop[i];
        const Point3& b = loop[(i + 1) % m];
        const double da = distance(a), db = distance(b);
        if ((da < 0.0 && db > 0.0) || (da > 0.0 && db < 0.0)) {
          const double t = da / (da - db);
          next.push_back({a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), a[2] + t * (b[2] - a[2])});
        }
        if (db <= 0.0) next.push_back(b);
      }
      loop.swap(next);
    }
  }
  if (cell.dimension == 2) return loop.size() >= 2 ? detail::norm3(detail::sub3(loop.back(), loop.front())) : 0.0;
  if (loop.size() < 3) return 0.0;
  Point3 area{};
  for (std::size_t i = 1; i + 1 < loop.size(); ++i) {
    const Point3 t = detail::cross3(detail::sub3(loop[i], loop[0]), detail::sub3(loop[i + 1], loop[0]));
    for (int j = 0; j < 3; ++j) area[j] += t[j];
  }
  return 0.5 * detail::norm3(area);
}

}  // namespace

namespace detail {

void check_cell_dimension(const char* where, const ConvexCell& cell, int dimension) {
  if (cell.dimension != dimension)
    throw std::invalid_argument(
        describe(where, "cell.dimension", cell.dimension, "must equal the law's dimension " + std::to_string(dimension)));
}

}  // namespace detail

UniformBoxLaw::UniformBoxLaw(const Box& box) : box_(box), volume_(1.0) {
  if (box.dimension < 1 || box.dimension > 3)
    throw std::invalid_argument(describe("UniformBoxLaw", "box.dimension", box.dimension, "must be 1, 2 or 3"));
  for (int k = 0; k < box.dimension; ++k) {
    if (!std::isfinite(box.lo[k]) || !std::isfinite(box.hi[k]) || !(box.lo[k] < box.hi[k]))
      throw std::invalid_argument(describe("UniformBoxLaw", "box.lo[" + std::to_string(k) + "]", box.lo[k],
                                           "must be finite and below box.hi[" + std::to_string(k) +
                                               "] = " + detail::format_value(box.hi[k])));
    volume_ *= box.hi[k] - box.lo[k];
  }
  for (int k = box.dimension; k < 3; ++k) box_.lo[k] = box_.hi[k] = 0.0;
}

double UniformBoxLaw::density(const Point3& x) const { return inside_box(box_, x) ? 1.0 / volume_ : 0.0; }

bool UniformBoxLaw::interior(const Point3& x) const { return inside_box(box_, x); }

Point3 UniformBoxLaw::centre() const {
  Point3 c{};
  for (int k = 0; k < box_.dimension; ++k) c[k] = 0.5 * (box_.lo[k] + box_.hi[k]);
  return c;
}

void UniformBoxLaw::integrate(const ConvexCell& cell, const Point3& seed, CellIntegrals& out) const {
  detail::check_cell_dimension("UniformBoxLaw::integrate", cell, box_.dimension);
  const Point3 y = detail::used_coordinates(seed, box_.dimension);
  out.facet_mass.assign(cell.facets.size(), 0.0);
  out.mass = out.second = 0.0;
  out.first = {};
  if (cell.empty()) return;
  const bool contained =
      std::all_of(cell.vertices.begin(), cell.vertices.end(), [this](const Point3& v) { return inside_box(box_, v); });
  ConvexCell clipped;
  if (!contained) {
    clipped = cell;
    for (int k = 0; k < box_.dimension; ++k) {
      Point3 n{};
      n[k] = 1.0;
      clip(clipped, n, box_.hi[k], ConvexCell::kBoundary, 0.0);
      n[k] = -1.0;
      clip(clipped, n, -box_.lo[k], ConvexCell::kBoundary, 0.0);
    }
  }
  const ConvexCell& part = contained ? cell : clipped;
  const int d = box_.dimension;
  const double moment_factor = 1.0 / static_cast<double>((d + 1) * (d + 2));
  detail::MomentSums sums;
  detail::for_each_simplex(part, [&](const detail::Simplex& s) {
    Point3 sum{};
    double squares = 0.0;
    for (int i = 0; i <= d; ++i) {
      const Point3 w = detail::sub3(s.vertex[static_cast<std::size_t>(i)], y);
      for (int j = 0; j < 3; ++j) sum[j] += w[j];
      squares += detail::dot3(w, w);
    }
    sums.mass += s.measure;
    for (int j = 0; j < 3; ++j) sums.first[j] += s.measure * sum[j] / static_cast<double>(d + 1);
    sums.second += s.measure * (squares + detail::dot3(sum, sum)) * moment_factor;
  });
  out.mass = sums.mass / volume_;
  for (int j = 0; j < 3; ++j) out.first[j] = sums.first[j] / volume_;
  out.second = sums.second / volume_;
  for (std::size_t f = 0; f < cell.facets.size(); ++f)
    out.facet_mass[f] = (contained ? facet_measure(cell, cell.facets[f]) : facet_measure_in_box(cell, cell.facets[f], box_)) /
                        volume_;
}

namespace {

double box_volume(const Box& b) {
  double v = 1.0;
  for (int k = 0; k < b.dimension; ++k) v *= b.hi[k] - b.lo[k];
  return v;
}

bool box_inside(const Box& inner, const Box& outer) {
  for (int k = 0; k < outer.dimension; ++k)
    if (!(inner.lo[k] >= outer.lo[k] && inner.hi[k] <= outer.hi[k])) return false;
  return true;
}

bool interiors_meet(const Box& a, const Box& b) {
  for (int k = 0; k < a.dimension; ++k)
    if (!(std::max(a.lo[k], b.lo[k]) < std::min(a.hi[k], b.hi[k]))) return false;
  return true;
}

/// "[lo0, hi0] x [lo1, hi1]": a box in a message.
std::string box_text(const Box& b) {
  std::string s;
  for (int k = 0; k < b.dimension; ++k)
    s += (k ? " x [" : "[") + detail::format_value(b.lo[k]) + ", " + detail::format_value(b.hi[k]) + "]";
  return s;
}

/// out += c part, facet by facet.
void add_scaled(CellIntegrals& out, double c, const CellIntegrals& part) {
  out.mass += c * part.mass;
  for (int j = 0; j < 3; ++j) out.first[j] += c * part.first[j];
  out.second += c * part.second;
  for (std::size_t f = 0; f < out.facet_mass.size(); ++f) out.facet_mass[f] += c * part.facet_mass[f];
}

void set_zero(CellIntegrals& out, std::size_t facets) {
  out.facet_mass.assign(facets, 0.0);
  out.mass = out.second = 0.0;
  out.first = {};
}

}  // namespace

PiecewiseConstantLawND::PiecewiseConstantLawND(const Box& hull, double background, std::vector<Piece> pieces)
    : hull_(hull), background_(background), hull_coefficient_(0.0), pieces_(std::move(pieces)) {
  const char* where = "PiecewiseConstantLawND";
  if (!(background >= 0.0) || !std::isfinite(background))
    throw std::invalid_argument(describe(where, "background", background, "must be finite and >= 0"));
  const double hull_volume = box_volume(hull_.support_box());
  double mass = background * hull_volume;
  for (std::size_t k = 0; k < pieces_.size(); ++k) {
    const Piece& p = pieces_[k];
    const std::string name = "pieces[" + std::to_string(k) + "]";
    if (p.box.dimension != hull.dimension)
      throw std::invalid_argument(describe(where, name + ".box.dimension", p.box.dimension,
                                           "must equal the hull's dimension " + std::to_string(hull.dimension)));
    uniform_.emplace_back(p.box);  // checks the box itself
    if (!box_inside(p.box, hull_.support_box()))
      throw std::invalid_argument(std::string(where) + ": " + name + ".box = " + box_text(p.box) +
                                  ": must lie inside the hull " + box_text(hull_.support_box()));
    if (!(p.value >= 0.0) || !std::isfinite(p.value))
      throw std::invalid_argument(describe(where, name + ".value", p.value, "must be finite and >= 0"));
    for (std::size_t j = 0; j < k; ++j)
      if (interiors_meet(pieces_[j].box, p.box))
        throw std::invalid_argument(std::string(where) + ": " + name + ".box = " + box_text(p.box) +
                                    ": overlaps pieces[" + std::to_string(j) + "].box = " + box_text(pieces_[j].box) +
                                    " (the pieces' interiors must be disjoint)");
    coefficient_.push_back((p.value - background) * box_volume(p.box));
    mass += coefficient_.back();
  }
  if (!(mass > 0.0)) throw std::invalid_argument(describe(where, "total mass", mass, "must be > 0"));
  background_ /= mass;
  hull_coefficient_ = background_ * hull_volume;
  for (Piece& p : pieces_) p.value /= mass;
  for (double& c : coefficient_) c /= mass;
}

double PiecewiseConstantLawND::density(const Point3& x) const {
  if (!inside_box(hull_.support_box(), x)) return 0.0;
  for (const Piece& p : pieces_)
    if (inside_box(p.box, x)) return p.value;
  return background_;
}

Point3 PiecewiseConstantLawND::centre() const {
  if (background_ > 0.0 || pieces_.empty()) return hull_.centre();
  std::size_t heaviest = 0;
  for (std::size_t k = 1; k < pieces_.size(); ++k)
    if (pieces_[k].value * box_volume(pieces_[k].box) > pieces_[heaviest].value * box_volume(pieces_[heaviest].box))
      heaviest = k;
  return uniform_[heaviest].centre();
}

void PiecewiseConstantLawND::integrate(const ConvexCell& cell, const Point3& y, CellIntegrals& out) const {
  detail::check_cell_dimension("PiecewiseConstantLawND::integrate", cell, dimension());
  CellIntegrals part;
  set_zero(out, cell.facets.size());
  if (hull_coefficient_ != 0.0) {
    hull_.integrate(cell, y, part);
    add_scaled(out, hull_coefficient_, part);
  }
  for (std::size_t k = 0; k < uniform_.size(); ++k) {
    if (coefficient_[k] == 0.0) continue;
    uniform_[k].integrate(cell, y, part);
    add_scaled(out, coefficient_[k], part);
  }
}

MixtureLaw::MixtureLaw(std::vector<double> weights, std::vector<std::shared_ptr<const LawND>> components)
    : weights_(std::move(weights)), components_(std::move(components)) {
  if (components_.empty())
    throw std::invalid_argument(describe("MixtureLaw", "components.size()", 0, "must be >= 1"));
  if (weights_.size() != components_.size())
    throw std::invalid_argument(describe("MixtureLaw", "weights.size()", static_cast<double>(weights_.size()),
                                         "must equal components.size() = " + std::to_string(components_.size())));
  double total = 0.0;
  for (std::size_t k = 0; k < weights_.size(); ++k) {
    if (!(weights_[k] >= 0.0) || !std::isfinite(weights_[k]))
      throw std::invalid_argument(
          describe("MixtureLaw", "weights[" + std::to_string(k) + "]", weights_[k], "must be finite and >= 0"));
    if (!components_[k])
      throw std::invalid_argument(describe("MixtureLaw", "components[" + std::to_string(k) + "]", 0, "must not be null"));
    total += weights_[k];
  }
  if (!(total > 0.0)) throw std::invalid_argument(describe("MixtureLaw", "sum of weights", total, "must be > 0"));
  for (double& w : weights_) w /= total;
  const int d = components_[0]->dimension();
  box_ = components_[0]->support_box();
  for (std::size_t k = 1; k < components_.size(); ++k) {
    if (components_[k]->dimension() != d)
      throw std::invalid_argument(describe("MixtureLaw", "components[" + std::to_string(k) + "]->dimension()",
                                           components_[k]->dimension(), "must equal " + std::to_string(d)));
    const Box b = components_[k]->support_box();
    for (int j = 0; j < d; ++j) {
      box_.lo[j] = std::min(box_.lo[j], b.lo[j]);
      box_.hi[j] = std::max(box_.hi[j], b.hi[j]);
    }
  }
}

double MixtureLaw::density(const Point3& x) const {
  double sum = 0.0;
  for (std::size_t k = 0; k < components_.size(); ++k) sum += weights_[k] * components_[k]->density(x);
  return sum;
}

bool MixtureLaw::interior(const Point3& x) const {
  for (std::size_t k = 0; k < components_.size(); ++k)
    if (weights_[k] > 0.0 && components_[k]->interior(x)) return true;
  return false;
}

Point3 MixtureLaw::centre() const {
  const auto largest = std::max_element(weights_.begin(), weights_.end()) - weights_.begin();
  return components_[static_cast<std::size_t>(largest)]->centre();
}

void MixtureLaw::integrate(const ConvexCell& cell, const Point3& y, CellIntegrals& out) const {
  detail::check_cell_dimension("MixtureLaw::integrate", cell, dimension());
  CellIntegrals part;  // local: a component may itself be a mixture
  set_zero(out, cell.facets.size());
  for (std::size_t k = 0; k < components_.size(); ++k) {
    if (weights_[k] == 0.0) continue;
    components_[k]->integrate(cell, y, part);
    add_scaled(out, weights_[k], part);
  }
}

}  // namespace blobflow::analysis
