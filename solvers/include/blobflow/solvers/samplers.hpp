// Samplers of a target rhobar (docs/math.md §8): N particles whose empirical measure should approximate
// rhobar / int rhobar. Besides the blob method (the wpme flow towards rhobar, equations.hpp), this file holds the
// pieces of the others that move particles:
//   - the Langevin drift v_i = grad log rhobar(x_i) as a VelocityField (make_score_field), the deterministic part
//     of the two Langevin steppers: LangevinStepper (ula, Euler-Maruyama) and MalaStepper (Metropolis-adjusted);
//   - Stein variational gradient descent as a velocity field any integrator takes (make_svgd_field);
//   - the random-batch velocity of any field (make_random_batch_field) and of SVGD, redrawn once per step.
// The exact samplers without dynamics (iid, quantile) need the target's law and live with the run driver
// (studies/sampling.hpp). Random numbers come from std::mt19937_64 seeded by the run and are drawn in one sequence,
// so results do not depend on the number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {

/// How a sampler moves its particles.
enum class SamplerKind {
  flow,      ///< a deterministic velocity field, taken by any integrator (blob, svgd)
  langevin,  ///< stochastic steps of size integrator.dt (ula, mala)
  exact,     ///< no dynamics: the particles are placed once from the target's law (iid, quantile)
};

/// Registry facts about one sampler (`blobflow list samplers`).
struct SamplerInfo {
  std::string_view name;
  std::string_view description;
  SamplerKind kind;
  bool needs_score;   ///< follows grad log rhobar (Target::has_score)
  bool random;        ///< draws random numbers from the run's seed
};

/// The samplers, in the order `blobflow list samplers` prints them.
std::span<const SamplerInfo> sampler_registry();
/// The entry for `name`, or nullptr.
const SamplerInfo* find_sampler(std::string_view name);

/// The Langevin drift as a field: v_i = grad log rhobar(x_i), the gradient flow of
/// E(x) = -sum_i m_i log rhobar(x_i) (so v_i = -(1/m_i) grad_(x_i) E exactly). Each velocity() evaluates the score
/// once per particle. A target without a score gives v = 0 with `zero_without_score` (piecewise-constant targets:
/// their score is 0 almost everywhere; mala then is random-walk Metropolis). \throws std::invalid_argument for a
/// target without a score otherwise.
std::unique_ptr<VelocityField> make_score_field(std::shared_ptr<const Target> target, std::vector<double> masses,
                                                bool zero_without_score = false);

/// A field whose velocity is drawn at random once per step: the run calls next_step() after every accepted step,
/// and velocity() uses the same draw until then (fixed-step methods only: error control needs a deterministic field).
class RandomizedField : public VelocityField {
 public:
  /// Draws the randomness of the next step.
  virtual void next_step() = 0;
};

/// The random batches of one step: a permutation of 0..N-1 cut into floor(N / P) consecutive batches of P particles,
/// the N mod P left over spread over them (sizes differ by at most one), so every batch has at least 2 members when
/// 2 <= P <= N.
/// Given the size q of particle i's batch, its other q - 1 members are a uniform subset of the other N - 1
/// particles, so scaling their interactions by (N - 1) / (q - 1) makes the batch velocity unbiased.
class BatchPartition {
 public:
  /// \throws std::invalid_argument unless 2 <= batch <= n.
  BatchPartition(std::size_t n, std::size_t batch, std::uint64_t seed);
  /// A new random permutation (Fisher-Yates on the generator).
  void redraw();
  std::size_t size() const { return begin_.size() - 1; }
  /// The particle indices of batch b.
  std::span<const std::size_t> batch(std::size_t b) const {
    return std::span(order_).subspan(begin_[b], begin_[b + 1] - begin_[b]);
  }
  std::size_t n() const { return order_.size(); }

 private:
  std::vector<std::size_t> order_, begin_;
  std::mt19937_64 generator_;
};

/// The random-batch velocity (Jin, Li, Liu 2020; docs/math.md §8.3) of a field whose pair interactions are linear in
/// the other particles' masses (wpme, pme with m = 2): with s = (N - 1) / (q - 1) for a batch of q particles,
///   v_i = s v_i[the field of i's batch] + (1 - s) v_i[the field of i alone],
/// i.e. i's self-interaction once and the others' interactions scaled by s. Cost per evaluation O(N P) pair
/// interactions instead of O(N^2). Fields are built by `make_field` for each batch's masses (once per batch size
/// when all masses are equal). energy() is the full field's energy. \throws std::invalid_argument unless
/// 2 <= batch <= N.
std::unique_ptr<RandomizedField> make_random_batch_field(FieldFactory make_field, std::vector<double> masses,
                                                         std::size_t batch, std::uint64_t seed);

/// How SVGD chooses its kernel bandwidth h in k(x, y) = exp(-|x - y|^2 / (2 h^2)).
enum class SvgdBandwidth {
  fixed,      ///< SvgdSpec::bandwidth
  median_t0,  ///< the median heuristic evaluated once, at the initial particles
  median,     ///< the median heuristic re-evaluated at every velocity evaluation (Liu and Wang's code)
};

/// The choices of an SVGD field.
struct SvgdSpec {
  SvgdBandwidth rule = SvgdBandwidth::median;
  double bandwidth = 1.0;       ///< fixed: h > 0
  std::string engine = "auto";  ///< summation engine of the pair sums ("auto": select_engine for the kernel)
  std::size_t batch = 0;        ///< random batches of this size (0: all pairs)
  std::uint64_t seed = 0;       ///< random batches: the seed of their permutations
};

/// The median heuristic of Liu and Wang (2016): h^2 = med_(i<j) |x_i - x_j|^2 / (2 log(N + 1)), the median of the
/// N (N - 1) / 2 pair distances (the mean of the two middle ones for an even count). \throws std::invalid_argument
/// for fewer than 2 points or a zero median (coincident points).
double median_bandwidth(std::span<const double> x, int dimension);

/// SVGD as a velocity field (docs/math.md §8.1): with weights w_j = m_j / M,
///   v_i = sum_j w_j [ k(x_i, x_j) grad log rhobar(x_j) + (x_i - x_j) / h^2 k(x_i, x_j) ],
/// the score evaluated once per particle and both pair sums on the summation engine (the kernel is a Gaussian of
/// standard deviation h up to its normalization). SVGD is not the gradient flow of a particle energy; energy()
/// returns E(x) = -sum_i m_i log rhobar(x_i), the energy of the Langevin drift, as a diagnostic. With spec.batch > 0
/// the result is a RandomizedField whose pair sums run within random batches, scaled as in make_random_batch_field.
/// \throws std::invalid_argument for a target without a score, a bad bandwidth, engine or batch.
std::unique_ptr<VelocityField> make_svgd_field(const SvgdSpec& spec, std::shared_ptr<const Target> target,
                                               std::vector<double> masses, std::span<const double> x0);

/// E(x) = -sum_i m_i log rhobar(x_i): the energy whose gradient flow the Langevin drift is, recorded as the energy of
/// the samplers that have no energy of their own (ula, mala, svgd, iid, quantile).
double log_density_energy(const Target& target, std::span<const double> masses, std::span<const double> x);

/// Counters of a Metropolis-adjusted sampler.
struct MetropolisCounts {
  std::size_t proposed = 0;
  std::size_t accepted = 0;
  double acceptance_rate() const { return proposed ? double(accepted) / double(proposed) : 0.0; }
};

/// The unadjusted Langevin algorithm (Euler-Maruyama for dX = grad log rhobar(X) dt + sqrt(2) dW):
/// x <- x + h v(x) + sqrt(2 h) xi, xi ~ N(0, I) per coordinate, v the score field. Each particle is an independent
/// chain; the normals come from one generator in particle order.
class LangevinStepper final : public CustomStepper {
 public:
  explicit LangevinStepper(std::uint64_t seed) : generator_(seed) {}
  void do_step(const VelocityFunction& velocity, State& x, double t, double h) override;

 private:
  std::mt19937_64 generator_;
  State drift_;
};

/// The Metropolis-adjusted Langevin algorithm: the ula proposal y = x + h v(x) + sqrt(2 h) xi per particle,
/// accepted with probability min(1, exp(log rhobar(y) - log rhobar(x) - |x - y - h v(y)|^2 / (4 h)
/// + |y - x - h v(x)|^2 / (4 h))), else the particle stays. Its chains leave rhobar / int rhobar invariant for any
/// h. Two score evaluations per particle and step.
class MalaStepper final : public CustomStepper {
 public:
  MalaStepper(std::shared_ptr<const Target> target, std::uint64_t seed)
      : target_(std::move(target)), generator_(seed) {}
  void do_step(const VelocityFunction& velocity, State& x, double t, double h) override;
  const MetropolisCounts& counts() const { return counts_; }

 private:
  std::shared_ptr<const Target> target_;
  std::mt19937_64 generator_;
  MetropolisCounts counts_;
  State drift_x_, drift_y_, y_;
};

/// The pairs a random-batch velocity evaluation sums over: sum_b q_b^2 over the batches of BatchPartition(n, batch)
/// (N^2 without batches, batch = 0).
std::size_t batch_pairs(std::size_t n, std::size_t batch);

/// An independent seed for stream `stream` (>= 1) of a run seeded with `seed` (stream 0 is the seed itself): the
/// splitmix64 finalizer of seed + stream * 2^64 / golden ratio, so that the placement, the dynamics and the batches
/// of one run never share a sequence.
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream);

/// The random-number streams of a run (stream_seed).
inline constexpr std::uint64_t kDynamicsStream = 1;  ///< the Langevin steppers' normals and Metropolis tests
inline constexpr std::uint64_t kBatchStream = 2;     ///< the random batches' permutations

/// A standard normal variate from two unit_uniform draws of `generator` (Box-Muller, the cosine branch): the same
/// sequence on every standard library, unlike std::normal_distribution.
double standard_normal(std::mt19937_64& generator);

}  // namespace blobflow
