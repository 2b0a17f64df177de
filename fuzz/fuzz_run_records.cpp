// Fuzzes a study's runs.jsonl (reports/study_report.hpp): reading the records, and building the report of a fixed
// two-run study from them, as `blobflow report` and `--resume` do with whatever a file holds.
#include "fuzz_common.hpp"

#include "blobflow/reports/study_report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace blobflow;
  const std::filesystem::path dir = fuzz::scratch_file("study");
  std::filesystem::create_directories(dir);
  fuzz::write_scratch("study/study.json",
                      R"({"name": "fuzz", "runs": [{"id": "a", "config_hash": "ha"}, {"id": "b", "config_hash": "hb"}],)"
                      R"( "fits": [{"name": "f", "sweep": "s", "metric": "w2", "against": "discretization.particles"}]})");
  fuzz::write_scratch("study/runs.jsonl", fuzz::text_of(data, size));
  fuzz::expect_refusal_or_success([&] { (void)reports::read_run_records(dir / "runs.jsonl"); });
  fuzz::expect_refusal_or_success([&] { (void)reports::build_study_report(dir, {false, false}); });
  return 0;
}
