// The samplers' fields and steppers (samplers.hpp; docs/math.md §8): the score field, the random-batch wrapper, SVGD
// on the summation engines, and the two Langevin steppers.
#include "blobflow/solvers/samplers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "blobflow/solvers/engines.hpp"
#include "blobflow/solvers/initial_data.hpp"
#include "blobflow/solvers/mollifier.hpp"

namespace blobflow {
namespace {

constexpr SamplerInfo kSamplers[] = {
    {"blob", "the blob method: the wpme flow towards rhobar (problem.equation = \"wpme\"), deterministic",
     SamplerKind::flow, false, false},
    {"ula", "unadjusted Langevin (Euler-Maruyama), step integrator.dt; needs the score grad log rhobar",
     SamplerKind::langevin, true, true},
    {"mala", "Metropolis-adjusted Langevin, step integrator.dt, unbiased; acceptance rate recorded; without a score "
             "(piecewise, grid) its drift is 0 (random-walk Metropolis)", SamplerKind::langevin, false, true},
    {"svgd", "Stein variational gradient descent as a velocity field (euler: plain SVGD); RBF kernel, bandwidth "
             "sampling.bandwidth; needs the score", SamplerKind::flow, true, false},
    {"iid", "N independent exact samples of rhobar / int rhobar (inversion in 1D, per target kind in 2D and 3D)",
     SamplerKind::exact, false, true},
    {"quantile", "1D: the quantile midpoints Q((i - 1/2) / N) of rhobar / int rhobar", SamplerKind::exact, false,
     false},
};

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void require_score(const Target& target, std::string_view who) {
  if (!target.has_score())
    throw std::invalid_argument(std::string(who) + ": the target " + target.describe() +
                                " has no score grad log rhobar (gaussian and mixture targets have one)");
}

void scores(const Target& target, std::span<const double> x, std::span<double> out) {
  const auto d = static_cast<std::size_t>(target.dimension());
  for (std::size_t i = 0; i < x.size() / d; ++i) target.score(x.subspan(i * d, d), out.subspan(i * d, d));
}

class ScoreField final : public VelocityField {
 public:
  ScoreField(std::shared_ptr<const Target> target, std::vector<double> masses, bool zero_without_score)
      : target_(std::move(target)), masses_(std::move(masses)) {
    if (!zero_without_score) require_score(*target_, "the score field");
  }
  int dimension() const override { return target_->dimension(); }
  std::span<const double> masses() const override { return masses_; }
  void velocity(std::span<const double> x, std::span<double> v) const override {
    if (target_->has_score()) return scores(*target_, x, v);
    std::fill(v.begin(), v.end(), 0.0);  // piecewise constant: the score is 0 almost everywhere
  }
  double energy(std::span<const double> x) const override { return log_density_energy(*target_, masses_, x); }
  std::string describe() const override { return "score grad log rhobar of " + target_->describe(); }

 private:
  std::shared_ptr<const Target> target_;
  std::vector<double> masses_;
};

/// Gathers the coordinates of `members` (d each).
void gather(std::span<const double> x, std::span<const std::size_t> members, std::size_t d, std::vector<double>& out) {
  out.resize(members.size() * d);
  for (std::size_t a = 0; a < members.size(); ++a)
    for (std::size_t k = 0; k < d; ++k) out[a * d + k] = x[members[a] * d + k];
}

class RandomBatchField final : public RandomizedField {
 public:
  RandomBatchField(FieldFactory make_field, std::vector<double> masses, std::size_t batch, std::uint64_t seed)
      : make_field_(std::move(make_field)), masses_(std::move(masses)), partition_(masses_.size(), batch, seed) {
    full_ = make_field_(masses_);
    equal_masses_ = std::all_of(masses_.begin(), masses_.end(), [&](double m) { return m == masses_.front(); });
  }
  int dimension() const override { return full_->dimension(); }
  std::span<const double> masses() const override { return masses_; }
  double energy(std::span<const double> x) const override { return full_->energy(x); }
  std::string describe() const override {
    return full_->describe() + ", random batches of " + std::to_string(partition_.batch(0).size());
  }
  void next_step() override { partition_.redraw(); }

  void velocity(std::span<const double> x, std::span<double> v) const override {
    const auto d = static_cast<std::size_t>(dimension());
    const double others = static_cast<double>(masses_.size() - 1);
    std::vector<double> xb, vb, mb, alone(d);
    for (std::size_t b = 0; b < partition_.size(); ++b) {
      const std::span<const std::size_t> members = partition_.batch(b);
      const double s = others / static_cast<double>(members.size() - 1);
      gather(x, members, d, xb);
      mb.resize(members.size());
      for (std::size_t a = 0; a < members.size(); ++a) mb[a] = masses_[members[a]];
      vb.resize(xb.size());
      field_for(mb).velocity(xb, vb);
      for (std::size_t a = 0; a < members.size(); ++a) {
        field_for(std::span(mb).subspan(a, 1)).velocity(std::span(xb).subspan(a * d, d), alone);
        for (std::size_t k = 0; k < d; ++k) v[members[a] * d + k] = s * vb[a * d + k] + (1.0 - s) * alone[k];
      }
    }
  }

 private:
  /// The field for these masses: cached by size when every mass is the same, else built anew.
  const VelocityField& field_for(std::span<const double> masses) const {
    const std::vector<double> m(masses.begin(), masses.end());
    if (!equal_masses_) {
      scratch_ = make_field_(m);
      return *scratch_;
    }
    auto& slot = by_size_[m.size()];
    if (!slot) slot = make_field_(m);
    return *slot;
  }

  FieldFactory make_field_;
  std::vector<double> masses_;
  BatchPartition partition_;
  std::unique_ptr<VelocityField> full_;
  bool equal_masses_ = true;
  mutable std::map<std::size_t, std::unique_ptr<VelocityField>> by_size_;
  mutable std::unique_ptr<VelocityField> scratch_;
};

/// SVGD on engine E (docs/math.md §8.1). The kernel k(r) = exp(-|r|^2 / (2 h^2)) is the unit-mass Gaussian of
/// standard deviation h divided by its value at 0, so the engine's sums divided by that value are the SVGD sums.
template <class E>
class SvgdField final : public RandomizedField {
 public:
  SvgdField(const SvgdSpec& spec, std::shared_ptr<const Target> target, std::vector<double> masses,
            std::span<const double> x0, E engine)
      : spec_(spec), target_(std::move(target)), masses_(std::move(masses)), engine_(std::move(engine)) {
    require_score(*target_, "svgd");
    if (spec.batch > 0) partition_.emplace(masses_.size(), spec.batch, spec.seed);
    total_mass_ = 0.0;
    for (double m : masses_) total_mass_ += m;
    if (spec.rule == SvgdBandwidth::fixed) {
      if (!(spec.bandwidth > 0.0) || !std::isfinite(spec.bandwidth))
        throw std::invalid_argument("svgd: bandwidth = " + number(spec.bandwidth) + ": must be a finite number > 0");
      bandwidth_ = spec.bandwidth;
    } else if (spec.rule == SvgdBandwidth::median_t0) {
      bandwidth_ = median_bandwidth(x0, target_->dimension());
    }
  }
  int dimension() const override { return target_->dimension(); }
  std::span<const double> masses() const override { return masses_; }
  double energy(std::span<const double> x) const override { return log_density_energy(*target_, masses_, x); }
  std::string describe() const override {
    const char* rule = spec_.rule == SvgdBandwidth::fixed       ? "fixed"
                       : spec_.rule == SvgdBandwidth::median_t0 ? "median at t0"
                                                                : "median at every evaluation";
    std::string s = "svgd towards " + target_->describe() + ", RBF bandwidth " + rule +
                    (spec_.rule == SvgdBandwidth::median ? std::string() : " h = " + number(bandwidth_)) + ", engine " +
                    E::kName;
    if (partition_) s += ", random batches of " + std::to_string(spec_.batch);
    return s;
  }
  void next_step() override {
    if (partition_) partition_->redraw();
  }

  void velocity(std::span<const double> x, std::span<double> v) const override {
    const int dim = dimension();
    const auto d = static_cast<std::size_t>(dim);
    const double h = spec_.rule == SvgdBandwidth::median ? median_bandwidth(x, dim) : bandwidth_;
    const GaussianKernel kernel(dim, h);
    std::vector<double> score(x.size());
    scores(*target_, x, score);
    if (!partition_) {
      std::vector<double> w(masses_.size());
      for (std::size_t j = 0; j < w.size(); ++j) w[j] = masses_[j] / total_mass_;
      pair_sums(kernel, x, score, w, v);
      return;
    }
    const double others = static_cast<double>(masses_.size() - 1);
    std::vector<double> xb, sb, wb, vb;
    for (std::size_t b = 0; b < partition_->size(); ++b) {
      const std::span<const std::size_t> members = partition_->batch(b);
      const double s = others / static_cast<double>(members.size() - 1);
      gather(x, members, d, xb);
      gather(score, members, d, sb);
      wb.resize(members.size());
      for (std::size_t a = 0; a < members.size(); ++a) wb[a] = masses_[members[a]] / total_mass_;
      vb.resize(xb.size());
      pair_sums(kernel, xb, sb, wb, vb);
      // The self term w_i k(0) s_i counts once; the others' terms are scaled by s (grad k(0) = 0).
      for (std::size_t a = 0; a < members.size(); ++a)
        for (std::size_t k = 0; k < d; ++k)
          v[members[a] * d + k] = s * vb[a * d + k] + (1.0 - s) * wb[a] * sb[a * d + k];
    }
  }

 private:
  /// v_i = sum_j w_j [k_ij s_j - grad_(x_i) k_ij] over the given points.
  void pair_sums(const GaussianKernel& kernel, std::span<const double> x, std::span<const double> score,
                 std::span<const double> w, std::span<double> v) const {
    const int dim = dimension();
    const auto d = static_cast<std::size_t>(dim);
    const std::size_t n = w.size();
    const PointSet points{x, dim};
    const double inverse_peak = 1.0 / kernel.value(0.0);
    std::vector<double> weighted(n), sum(n), gradient(n * d);
    engine_.self_gradient(kernel, points, w, gradient);
    for (std::size_t i = 0; i < n * d; ++i) v[i] = -gradient[i] * inverse_peak;
    for (std::size_t k = 0; k < d; ++k) {
      for (std::size_t j = 0; j < n; ++j) weighted[j] = w[j] * score[j * d + k];
      engine_.self_potential(kernel, points, weighted, sum);
      for (std::size_t i = 0; i < n; ++i) v[i * d + k] += sum[i] * inverse_peak;
    }
  }

  SvgdSpec spec_;
  std::shared_ptr<const Target> target_;
  std::vector<double> masses_;
  E engine_;
  double total_mass_ = 1.0;
  double bandwidth_ = 1.0;
  std::optional<BatchPartition> partition_;
};

}  // namespace

std::span<const SamplerInfo> sampler_registry() { return kSamplers; }

const SamplerInfo* find_sampler(std::string_view name) {
  for (const SamplerInfo& s : kSamplers)
    if (s.name == name) return &s;
  return nullptr;
}

double standard_normal(std::mt19937_64& generator) {
  const double u1 = unit_uniform(generator()), u2 = unit_uniform(generator());
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::unique_ptr<VelocityField> make_score_field(std::shared_ptr<const Target> target, std::vector<double> masses,
                                                bool zero_without_score) {
  return std::make_unique<ScoreField>(std::move(target), std::move(masses), zero_without_score);
}

BatchPartition::BatchPartition(std::size_t n, std::size_t batch, std::uint64_t seed) : generator_(seed) {
  if (batch < 2 || batch > n)
    throw std::invalid_argument("random batches of " + std::to_string(batch) + " among " + std::to_string(n) +
                                " particles: the batch size must lie in [2, N]");
  order_.resize(n);
  for (std::size_t i = 0; i < n; ++i) order_[i] = i;
  // floor(N / P) batches; the N mod P particles left over are spread over them, one more to each of the first.
  const std::size_t count = n / batch, extra = n % batch;
  begin_.push_back(0);
  for (std::size_t b = 0; b < count; ++b)
    begin_.push_back(begin_.back() + batch + extra / count + (b < extra % count ? 1 : 0));
  redraw();
}

void BatchPartition::redraw() {
  for (std::size_t i = order_.size() - 1; i > 0; --i) {
    // j uniform in 0..i by rejection of the top partial range of the generator's 64 bits.
    const std::uint64_t range = i + 1, limit = std::numeric_limits<std::uint64_t>::max() -
                                                  std::numeric_limits<std::uint64_t>::max() % range;
    std::uint64_t r = generator_();
    while (r >= limit) r = generator_();
    std::swap(order_[i], order_[static_cast<std::size_t>(r % range)]);
  }
}

double log_density_energy(const Target& target, std::span<const double> masses, std::span<const double> x) {
  const auto d = static_cast<std::size_t>(target.dimension());
  double e = 0.0;
  for (std::size_t i = 0; i < masses.size(); ++i) e -= masses[i] * target.log_density(x.subspan(i * d, d));
  return e;
}

std::size_t batch_pairs(std::size_t n, std::size_t batch) {
  if (batch == 0) return n * n;
  const std::size_t count = n / batch, extra = n % batch, base = batch + extra / count, larger = extra % count;
  return larger * (base + 1) * (base + 1) + (count - larger) * base * base;
}

std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream) {
  if (stream == 0) return seed;
  std::uint64_t z = seed + stream * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::unique_ptr<RandomizedField> make_random_batch_field(FieldFactory make_field, std::vector<double> masses,
                                                         std::size_t batch, std::uint64_t seed) {
  return std::make_unique<RandomBatchField>(std::move(make_field), std::move(masses), batch, seed);
}

double median_bandwidth(std::span<const double> x, int dimension) {
  const auto d = static_cast<std::size_t>(dimension);
  const std::size_t n = x.size() / d;
  if (n < 2) throw std::invalid_argument("median bandwidth: needs at least 2 points");
  std::vector<double> r2;
  r2.reserve(n * (n - 1) / 2);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      double s = 0.0;
      for (std::size_t k = 0; k < d; ++k) s += (x[i * d + k] - x[j * d + k]) * (x[i * d + k] - x[j * d + k]);
      r2.push_back(s);
    }
  const std::size_t mid = r2.size() / 2;
  std::nth_element(r2.begin(), r2.begin() + static_cast<std::ptrdiff_t>(mid), r2.end());
  double median = r2[mid];
  if (r2.size() % 2 == 0) median = 0.5 * (median + *std::max_element(r2.begin(), r2.begin() + static_cast<std::ptrdiff_t>(mid)));
  const double h2 = median / (2.0 * std::log(static_cast<double>(n) + 1.0));
  if (!(h2 > 0.0) || !std::isfinite(h2))
    throw std::invalid_argument("median bandwidth: the median pair distance is " + number(std::sqrt(median)) +
                                "; needs distinct, finite points");
  return std::sqrt(h2);
}

std::unique_ptr<VelocityField> make_svgd_field(const SvgdSpec& spec, std::shared_ptr<const Target> target,
                                               std::vector<double> masses, std::span<const double> x0) {
  const int d = target->dimension();
  std::string engine = spec.engine;
  if (engine == kAutoEngine) {
    EngineProblem problem;
    problem.dimension = d;
    problem.gaussian = true;
    problem.particles = masses.size();
    problem.epsilon = spec.rule == SvgdBandwidth::fixed ? spec.bandwidth : median_bandwidth(x0, d);
    engine = std::string(select_engine(problem));
  }
  return EngineRegistry::dispatch(engine, {"engine", "summation engine"},
                                  [&]<class E>() -> std::unique_ptr<VelocityField> {
                                    return std::make_unique<SvgdField<E>>(spec, target, std::move(masses), x0, E{});
                                  });
}

void LangevinStepper::do_step(const VelocityFunction& velocity, State& x, double, double h) {
  drift_.resize(x.size());
  velocity(x, drift_);
  const double noise = std::sqrt(2.0 * h);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += h * drift_[i] + noise * standard_normal(generator_);
}

void MalaStepper::do_step(const VelocityFunction& velocity, State& x, double, double h) {
  const auto d = static_cast<std::size_t>(target_->dimension());
  drift_x_.resize(x.size()), drift_y_.resize(x.size()), y_.resize(x.size());
  velocity(x, drift_x_);
  const double noise = std::sqrt(2.0 * h);
  for (std::size_t i = 0; i < x.size(); ++i) y_[i] = x[i] + h * drift_x_[i] + noise * standard_normal(generator_);
  velocity(y_, drift_y_);
  for (std::size_t i = 0; i < x.size() / d; ++i) {
    const std::span<const double> xi(x.data() + i * d, d), yi(y_.data() + i * d, d);
    double forward = 0.0, backward = 0.0;  // |y - x - h v(x)|^2 and |x - y - h v(y)|^2
    for (std::size_t k = 0; k < d; ++k) {
      const double f = yi[k] - xi[k] - h * drift_x_[i * d + k], b = xi[k] - yi[k] - h * drift_y_[i * d + k];
      forward += f * f, backward += b * b;
    }
    const double log_ratio =
        target_->log_density(yi) - target_->log_density(xi) - backward / (4.0 * h) + forward / (4.0 * h);
    const double u = unit_uniform(generator_());
    ++counts_.proposed;
    if (std::isfinite(log_ratio) && std::log(u) < log_ratio) {
      ++counts_.accepted;
      for (std::size_t k = 0; k < d; ++k) x[i * d + k] = yi[k];
    }
  }
}

}  // namespace blobflow
