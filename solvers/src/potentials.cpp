// External potentials V, the interaction kernels W and the exponential integrals behind the regularized Newtonian
// kernel (formulas and conventions: potentials.hpp, docs/math.md §1.2, §1.4, §4.5-4.7).
#include "blobflow/solvers/potentials.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>

#include "blobflow/solvers/drifted_field.hpp"
#include "spec_text.hpp"

namespace blobflow {
namespace {

using PotentialKind = NamedChoice<ExternalPotential::Kind>;
constexpr PotentialKind kPotentials[] = {
    {"none", "no external potential (V = 0)", ExternalPotential::Kind::kNone},
    {"quadratic", "V = (c/2)|x - x0|^2, c > 0 (c = 1, x0 = 0: confined PME / linear Fokker-Planck)",
     ExternalPotential::Kind::kQuadratic},
    {"double-well", "V = a (|x|^2 - b^2)^2 / 4, a, b > 0 (minima on |x| = b)", ExternalPotential::Kind::kDoubleWell},
    {"polynomial", "V = sum_k P(x_k), P(y) = c0 + c1 y + ... + cK y^K, the same polynomial in each coordinate",
     ExternalPotential::Kind::kPolynomial},
};
constexpr Registry<PotentialKind> kPotentialRegistry{std::span<const PotentialKind>(kPotentials)};

enum class InteractionKind { kNone, kGaussian, kNewtonian };
struct InteractionEntry {
  std::string_view name, description;
  InteractionKind kind;
  bool long_range;  ///< no cutoff radius: only the direct engine sums it exactly
};
constexpr InteractionEntry kInteractions[] = {
    {"none", "no interaction (W = 0)", InteractionKind::kNone, false},
    {"gaussian", "attraction W = -A exp(-|z|^2/(2 l^2)), A, l > 0; smooth, not regularized",
     InteractionKind::kGaussian, false},
    {"newtonian",
     "2D Keller-Segel W = chi log|z|/(2 pi), regularized as psi_eps * W (gaussian mollifier only); long-range: direct "
     "engine",
     InteractionKind::kNewtonian, true},
};
constexpr Registry<InteractionEntry> kInteractionRegistry{std::span<const InteractionEntry>(kInteractions)};

template <class Entry, std::size_t N>
constexpr std::array<ComponentInfo, N> infos(const Entry (&entries)[N]) {
  std::array<ComponentInfo, N> out{};
  for (std::size_t k = 0; k < N; ++k) out[k] = {entries[k].name, entries[k].description};
  return out;
}
constexpr auto kPotentialInfo = infos(kPotentials);
constexpr auto kInteractionInfo = infos(kInteractions);

const PotentialKind& potential_kind(const PotentialSpec& spec) {
  const PotentialKind* k = kPotentialRegistry.find(spec.kind);
  if (!k)
    throw std::invalid_argument("potential.kind = \"" + spec.kind +
                                "\": unknown (quadratic, double-well, polynomial or none)");
  return *k;
}

const InteractionEntry& interaction_kind(const InteractionSpec& spec) {
  const InteractionEntry* k = kInteractionRegistry.find(spec.kind);
  if (!k)
    throw std::invalid_argument("interaction.kind = \"" + spec.kind + "\": unknown (gaussian, newtonian or none)");
  return *k;
}

/// Beyond this a the series of Ein is abandoned for E1 + gamma + log a (all positive terms); at a <= 1 the series
/// terms a^k/(k k!) decrease from the first, so the alternating sum loses no digits.
constexpr double kEinSeriesLimit = 1.0;
/// Series and continued fraction stop when the last correction is below this relative size (unit round-off).
constexpr double kRelativeStop = std::numeric_limits<double>::epsilon() / 2.0;
/// Both converge long before this (the continued fraction needs about 40 terms at a = 1, fewer beyond; the series
/// about 20 at a = 1); reaching it means a bug, so it is an assertion-style failure.
constexpr int kMaxTerms = 1000;

using spec_text::number;

void require_positive(const char* key, double value) {
  if (!(value > 0.0) || !std::isfinite(value))
    throw std::invalid_argument(std::string(key) + " = " + number(value) + ": must be a finite number > 0");
}

/// Ein(a) = sum_(k>=1) (-1)^(k+1) a^k / (k k!) for 0 <= a <= kEinSeriesLimit.
double ein_series(double a) {
  double power_over_factorial = a;  // a^k / k!
  double sum = a;
  for (int k = 2; k < kMaxTerms; ++k) {
    power_over_factorial *= a / k;
    const double term = power_over_factorial / k;
    sum += (k % 2 == 0) ? -term : term;
    if (term <= kRelativeStop * sum) return sum;
  }
  throw std::logic_error("Ein series did not converge");
}

/// E1(a) for a > 1 from the continued fraction (Abramowitz-Stegun 5.1.22, even form)
///   E1(a) = e^-a / (a + 1 - 1^2 / (a + 3 - 2^2 / (a + 5 - 3^2 / (a + 7 - ...)))),
/// evaluated forward by the modified Lentz method: f = b_0 + K(a_j / b_j) with b_0 = a + 1, a_j = -j^2,
/// b_j = a + 2j + 1, C and D the ratios of consecutive numerators and denominators.
double e1_continued_fraction(double a) {
  const double b0 = a + 1.0;
  double f = b0, c = b0, d = 0.0;
  for (int j = 1; j < kMaxTerms; ++j) {
    const double aj = -static_cast<double>(j) * j;
    const double bj = a + 2.0 * j + 1.0;
    d = 1.0 / (bj + aj * d);
    c = bj + aj / c;
    const double delta = c * d;
    f *= delta;
    if (std::abs(delta - 1.0) <= kRelativeStop) return std::exp(-a) / f;
  }
  throw std::logic_error("E1 continued fraction did not converge");
}

}  // namespace

std::span<const ComponentInfo> potential_registry() { return kPotentialInfo; }
std::span<const ComponentInfo> interaction_registry() { return kInteractionInfo; }

bool has_potential(const PotentialSpec& spec) { return potential_kind(spec).value != ExternalPotential::Kind::kNone; }
bool has_interaction(const InteractionSpec& spec) { return interaction_kind(spec).kind != InteractionKind::kNone; }
bool is_quadratic_potential(const PotentialSpec& spec) {
  const PotentialKind* k = kPotentialRegistry.find(spec.kind);
  return k && k->value == ExternalPotential::Kind::kQuadratic;
}
bool interaction_is_long_range(const InteractionSpec& spec) {
  const InteractionEntry* k = kInteractionRegistry.find(spec.kind);
  return k && k->long_range;
}

CallablePotential::CallablePotential(int dimension, Value value, Gradient gradient, std::string description)
    : dim_(dimension), value_(std::move(value)), gradient_(std::move(gradient)), description_(std::move(description)) {
  if (dimension < 1 || dimension > 3)
    throw std::invalid_argument("dimension = " + std::to_string(dimension) + ": must be 1, 2 or 3");
  if (!value_ || !gradient_) throw std::invalid_argument("a callable potential needs V and its gradient");
}

std::unique_ptr<Potential> make_potential(const PotentialSpec& spec, int dimension) {
  if (!has_potential(spec)) return nullptr;
  return std::make_unique<ExternalPotential>(spec, dimension);
}

double entire_exponential_integral(double a) {
  if (!(a >= 0.0)) throw std::invalid_argument("Ein(a): a = " + number(a) + ": must be >= 0");
  if (a <= kEinSeriesLimit) return ein_series(a);
  if (std::isinf(a)) return a;
  return e1_continued_fraction(a) + std::numbers::egamma + std::log(a);
}

double exponential_integral_e1(double a) {
  if (!(a > 0.0)) throw std::invalid_argument("E1(a): a = " + number(a) + ": must be > 0");
  if (a <= kEinSeriesLimit) return ein_series(a) - std::numbers::egamma - std::log(a);
  if (std::isinf(a)) return 0.0;
  return e1_continued_fraction(a);
}

// ---- V (potentials.hpp file comment)

ExternalPotential::ExternalPotential(const PotentialSpec& spec, int dimension) : dim_(dimension) {
  if (dimension < 1 || dimension > 3)
    throw std::invalid_argument("dimension = " + std::to_string(dimension) + ": must be 1, 2 or 3");
  kind_ = potential_kind(spec).value;
  switch (kind_) {
    case Kind::kQuadratic:
      require_positive("potential.strength", spec.strength);
      strength_ = spec.strength;
      if (!spec.center.empty() && spec.center.size() != static_cast<std::size_t>(dimension))
        throw std::invalid_argument("potential.center has " + std::to_string(spec.center.size()) +
                                    " entries: must be empty (the origin) or have dimension = " +
                                    std::to_string(dimension) + " entries");
      for (double c : spec.center)
        if (!std::isfinite(c)) throw std::invalid_argument("potential.center: every entry must be finite");
      center_ = spec.center.empty() ? std::vector<double>(static_cast<std::size_t>(dimension), 0.0) : spec.center;
      return;
    case Kind::kDoubleWell:
      require_positive("potential.strength", spec.strength);
      require_positive("potential.well_radius", spec.well_radius);
      strength_ = spec.strength;
      well_radius_ = spec.well_radius;
      return;
    case Kind::kPolynomial:
      if (spec.coefficients.empty())
        throw std::invalid_argument("potential.coefficients is empty: a polynomial needs c0 (and usually more)");
      for (double c : spec.coefficients)
        if (!std::isfinite(c)) throw std::invalid_argument("potential.coefficients: every entry must be finite");
      coefficients_ = spec.coefficients;
      return;
    case Kind::kNone:
      break;
  }
  throw std::invalid_argument("potential.kind = \"none\": there is no potential to build");
}

double ExternalPotential::value(const double* x) const {
  const auto d = static_cast<std::size_t>(dim_);
  switch (kind_) {
    case Kind::kQuadratic: {
      double r2 = 0.0;
      for (std::size_t k = 0; k < d; ++k) r2 += (x[k] - center_[k]) * (x[k] - center_[k]);
      return 0.5 * strength_ * r2;
    }
    case Kind::kDoubleWell: {
      double r2 = 0.0;
      for (std::size_t k = 0; k < d; ++k) r2 += x[k] * x[k];
      const double w = r2 - well_radius_ * well_radius_;
      return 0.25 * strength_ * w * w;
    }
    case Kind::kPolynomial: {
      double v = 0.0;
      for (std::size_t k = 0; k < d; ++k) {
        double p = 0.0;  // Horner: P(y) = c0 + y (c1 + y (c2 + ...))
        for (auto c = coefficients_.rbegin(); c != coefficients_.rend(); ++c) p = p * x[k] + *c;
        v += p;
      }
      return v;
    }
    case Kind::kNone:
      break;
  }
  return 0.0;
}

void ExternalPotential::gradient(const double* x, double* g) const {
  const auto d = static_cast<std::size_t>(dim_);
  switch (kind_) {
    case Kind::kQuadratic:
      for (std::size_t k = 0; k < d; ++k) g[k] = strength_ * (x[k] - center_[k]);
      return;
    case Kind::kDoubleWell: {
      double r2 = 0.0;
      for (std::size_t k = 0; k < d; ++k) r2 += x[k] * x[k];
      const double f = strength_ * (r2 - well_radius_ * well_radius_);
      for (std::size_t k = 0; k < d; ++k) g[k] = f * x[k];
      return;
    }
    case Kind::kPolynomial:
      for (std::size_t k = 0; k < d; ++k) {
        double p = 0.0;  // Horner for P'(y) = sum_(j>=1) j c_j y^(j-1)
        for (std::size_t j = coefficients_.size(); j-- > 1;) p = p * x[k] + static_cast<double>(j) * coefficients_[j];
        g[k] = p;
      }
      return;
    case Kind::kNone:
      return;
  }
}

std::string ExternalPotential::describe() const {
  std::ostringstream s;
  switch (kind_) {
    case Kind::kQuadratic:
      s << "quadratic(c = " << strength_ << ", x0 = (";
      for (std::size_t k = 0; k < center_.size(); ++k) s << (k ? ", " : "") << center_[k];
      s << "))";
      break;
    case Kind::kDoubleWell:
      s << "double-well(a = " << strength_ << ", b = " << well_radius_ << ")";
      break;
    case Kind::kPolynomial:
      s << "polynomial(c = [";
      for (std::size_t k = 0; k < coefficients_.size(); ++k) s << (k ? ", " : "") << coefficients_[k];
      s << "])";
      break;
    case Kind::kNone:
      s << "none";
      break;
  }
  return s.str();
}

// ---- W

GaussianAttractionKernel::GaussianAttractionKernel(int dimension, double amplitude, double length)
    : gaussian_((require_positive("interaction.length", length), dimension), length), amplitude_(amplitude) {
  require_positive("interaction.amplitude", amplitude);
  scale_ = -amplitude * std::pow(2.0 * std::numbers::pi * length * length, 0.5 * dimension);
}

RegularizedNewtonianKernel::RegularizedNewtonianKernel(double chi, double eps) : chi_(chi) {
  require_positive("interaction.chi", chi);
  require_positive("epsilon", eps);
  sigma_ = std::numbers::sqrt2 * eps;  // psi_eps = zeta_eps * zeta_eps has standard deviation sqrt(2) eps
  inv_two_var_ = 1.0 / (2.0 * sigma_ * sigma_);
  log_two_var_minus_gamma_ = std::log(2.0 * sigma_ * sigma_) - std::numbers::egamma;
}

InteractionKernel make_interaction_kernel(const InteractionSpec& spec, int dimension, std::string_view mollifier,
                                          double eps) {
  switch (interaction_kind(spec).kind) {
    case InteractionKind::kNone:
      return std::monostate{};
    case InteractionKind::kGaussian:
      return GaussianAttractionKernel(dimension, spec.amplitude, spec.length);
    case InteractionKind::kNewtonian:
      if (dimension != 2)
        throw std::invalid_argument("interaction.kind = \"newtonian\" needs dimension = 2 (the 2D Keller-Segel "
                                    "kernel log|z|/(2 pi)); got dimension = " + std::to_string(dimension));
      if (mollifier != GaussianMollifier::kName)
        throw std::invalid_argument("interaction.kind = \"newtonian\" with mollifier = \"" + std::string(mollifier) +
                                    "\": the regularized kernel psi_eps * N is implemented (in closed form) for the "
                                    "gaussian mollifier only");
      return RegularizedNewtonianKernel(spec.chi, eps);
  }
  return std::monostate{};
}

}  // namespace blobflow
