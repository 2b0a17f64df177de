// Fuzzes study files (studies/study_spec.hpp): parsing and validation, and the expansion into runs of plans small
// enough to expand within a fuzzing iteration (kExpandedRuns).
#include "fuzz_common.hpp"

#include "blobflow/studies/study_spec.hpp"

namespace {
/// The largest plan a fuzzing input expands: each planned run parses and validates a configuration.
constexpr std::size_t kExpandedRuns = 16;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace blobflow;
  const std::string text = fuzz::text_of(data, size);
  fuzz::expect_refusal_or_success([&] {
    const StudySpec spec = parse_study(text, "fuzz-study.toml", ".");
    std::size_t runs = 0;
    for (const SweepSpec& sweep : spec.sweeps) {
      std::size_t points = static_cast<std::size_t>(sweep.replicates);
      for (const SweepAxis& axis : sweep.axes) points *= axis.values.size();
      runs += points + !sweep.reference.empty();
    }
    if (runs <= kExpandedRuns) (void)to_json(spec, expand_study(spec)).dump();
  });
  return 0;
}
