// Fuzzes grid target files (target.grid_file, solvers/targets.hpp): the first byte picks the dimension 1, 2 or 3,
// the rest is the CSV file; an accepted grid is evaluated at a few points.
#include "fuzz_common.hpp"

#include <array>

#include "blobflow/solvers/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace blobflow;
  if (size == 0) return 0;
  const int d = 1 + data[0] % 3;
  const std::string csv = fuzz::text_of(data + 1, size - 1);
  fuzz::expect_refusal_or_success([&] {
    TargetSpec spec;
    spec.kind = "grid";
    spec.grid_file = fuzz::write_scratch("grid.csv", csv).string();
    const std::unique_ptr<Target> target = make_target(spec, d);
    for (const double c : {-1.0, 0.0, 0.25, 0.5, 1.0, 1e300}) {
      const std::array<double, 3> x{c, c, c};
      (void)target->density(std::span<const double>(x.data(), static_cast<std::size_t>(d)));
    }
  });
  return 0;
}
