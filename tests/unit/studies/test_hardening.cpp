// Malformed and hostile inputs to the configuration layer: each is refused up front with a message naming its key,
// its value (shortened when long, studies/message.hpp) and the rule, or is bounded by a stated limit
// (docs/architecture.md "Conventions").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "blobflow/studies/config.hpp"
#include "blobflow/studies/message.hpp"

namespace blobflow {
namespace {

/// Every violation parse_run_config reports, one per line ("" when the configuration is valid).
std::string violations(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  try {
    parse_run_config(toml, "test.toml", overrides);
  } catch (const ConfigError& e) {
    std::string all;
    for (const auto& v : e.violations()) all += v + "\n";
    return all;
  }
  return "";
}

void expect_in(const std::string& text, std::initializer_list<const char*> fragments) {
  EXPECT_FALSE(text.empty()) << "accepted";
  for (const char* f : fragments) EXPECT_NE(text.find(f), std::string::npos) << "'" << f << "' not in:\n" << text;
}

TEST(MessageValues, LongValuesAreShortenedAndControlCharactersShown) {
  EXPECT_EQ(clip_for_message("rk4"), "rk4");
  EXPECT_EQ(clip_for_message("a\nb"), "a\\nb");
  const std::string long_value(1000000, 'x');
  const std::string clipped = clip_for_message(long_value);
  EXPECT_LE(clipped.size(), kMaxMessageValueChars + 40);
  EXPECT_NE(clipped.find("(1000000 characters)"), std::string::npos) << clipped;
}

TEST(ConfigHardening, AValueOfAMegabyteIsQuotedShortened) {
  const std::string huge(1000000, 'q');
  const std::string v = violations("[integrator]\nmethod = \"" + huge + "\"\n");
  expect_in(v, {"integrator.method", "(1000002 characters)", "must be one of"});
  EXPECT_LT(v.size(), 2000u);
}

TEST(ConfigHardening, ASetValueWithALineBreakIsRefusedNotCutShort) {
  expect_in(violations("", {"integrator.method=\"rk4\"\nproblem.t_final = 9"}),
            {"--set", "integrator.method", "\\n", "must be one TOML value"});
  expect_in(violations("", {"discretization.particles=10\nseed = 3"}), {"must be one TOML value"});
  EXPECT_EQ(violations("", {"output.times=[\n 0.5,\n 0.75\n]"}), "");  // one value over several lines
}

TEST(ConfigHardening, DeeplyNestedEpsLawsAreRefusedAtValidation) {
  const std::string deep = std::string(20000, '(') + "h" + std::string(20000, ')');
  const std::string v = violations("", {"discretization.epsilon=\"" + deep + "\""});
  expect_in(v, {"discretization.epsilon", "nested more than", "characters)"});
  EXPECT_LT(v.size(), 2000u);
}

}  // namespace
}  // namespace blobflow
