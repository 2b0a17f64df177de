// Fuzzes the run configuration: a TOML file, then after a line "--set" one override per line (studies/config.hpp).
// A configuration that is accepted must also serialize (to_json, which refuses invalid UTF-8) and read back to the
// same JSON (to_json writes the resolved output times, so the JSON, not the configuration, is the fixed point).
#include "fuzz_common.hpp"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace blobflow;
  const std::string input = fuzz::text_of(data, size);
  std::string toml = input;
  std::vector<std::string> overrides;
  if (const auto marker = input.find("\n--set\n"); marker != std::string::npos) {
    toml = input.substr(0, marker);
    std::string rest = input.substr(marker + 7);
    for (std::size_t start = 0; start <= rest.size();) {
      const std::size_t end = rest.find('\n', start);
      overrides.push_back(rest.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  fuzz::expect_refusal_or_success([&] {
    const RunConfig config = parse_run_config(toml, "fuzz.toml", overrides);
    const nlohmann::json json = to_json(config);
    (void)json.dump();
    if (to_json(from_json(json)) != json) {
      std::fprintf(stderr, "an accepted configuration does not read back from its JSON\n");
      std::abort();
    }
  });
  return 0;
}
