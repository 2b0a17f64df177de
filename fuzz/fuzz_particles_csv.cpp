// Fuzzes `blobflow distance` input: the first line is an exact-law SPEC (studies/law_spec.hpp), the rest a
// particles.csv file (studies/distance_command.hpp). Accepted input goes on to a distance between small measures.
#include "fuzz_common.hpp"

#include "blobflow/analysis/wasserstein1d.hpp"
#include "blobflow/analysis/wasserstein2d.hpp"
#include "blobflow/studies/distance_command.hpp"
#include "blobflow/studies/law_spec.hpp"

namespace {
/// The most particles whose distances one fuzzing input computes (2D/3D: a network simplex on N^2 arcs).
constexpr std::size_t kDistanceParticles = 64;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace blobflow;
  const std::string input = fuzz::text_of(data, size);
  const std::size_t newline = input.find('\n');
  const std::string spec = input.substr(0, newline);
  const std::string csv = newline == std::string::npos ? std::string() : input.substr(newline + 1);
  fuzz::expect_refusal_or_success([&] { (void)parse_exact_law(spec, 1); });
  fuzz::expect_refusal_or_success([&] {
    const ParticleSnapshot s = read_particles_csv(fuzz::write_scratch("particles.csv", csv).string(),
                                                  std::numeric_limits<double>::quiet_NaN());
    if (s.masses.size() > kDistanceParticles) return;
    if (s.dimension == 1) (void)analysis::wasserstein_1d(s.x, s.masses, s.x, s.masses);
    else (void)analysis::wasserstein2_discrete(s.dimension, s.x, s.masses, s.x, s.masses);
  });
  return 0;
}
