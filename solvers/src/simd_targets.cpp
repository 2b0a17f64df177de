// The SIMD targets of the vector engines (simd_sum.hpp): which Highway targets this build carries and this CPU
// supports, their names, and the process-wide restriction to a lesser target (simd_restrict, or the environment
// variable BLOBFLOW_SIMD_TARGET) through Highway's own dispatch control, hwy::SetSupportedTargetsForTest: one
// dispatch mechanism for the engines, the tests that run every target, and the benchmarks that measure one.
#include <hwy/targets.h>

#include <cctype>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "blobflow/solvers/simd_sum.hpp"
#include "simd_kernel.hpp"

namespace blobflow {
namespace {

/// The targets the CPU supports among those compiled here (HWY_TARGETS, the same in every translation unit of the
/// library: the compile definitions come from solvers/CMakeLists.txt), read before any restriction.
std::int64_t compiled_and_supported() {
  static const std::int64_t mask = hwy::SupportedTargets() & HWY_TARGETS;
  return mask;
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

}  // namespace

namespace simd_detail {

void apply_target_environment() {
  static std::once_flag once;
  std::call_once(once, [] {
    compiled_and_supported();
    const char* name = std::getenv("BLOBFLOW_SIMD_TARGET");
    if (name != nullptr && *name != '\0') simd_restrict(simd_target_from_name(name));
  });
}

}  // namespace simd_detail

std::vector<SimdTarget> simd_targets() {
  std::vector<SimdTarget> targets;
  for (std::int64_t rest = compiled_and_supported(); rest != 0; rest &= rest - 1) targets.push_back(rest & -rest);
  return targets;
}

std::string simd_target_name(SimdTarget target) { return hwy::TargetName(target); }

SimdTarget simd_target_from_name(std::string_view name) {
  std::string known;
  for (const SimdTarget t : simd_targets()) {
    if (upper(name) == simd_target_name(t)) return t;
    known += (known.empty() ? "" : ", ") + simd_target_name(t);
  }
  throw std::invalid_argument("SIMD target '" + std::string(name) + "': not one of this build and CPU (" + known + ")");
}

SimdTarget simd_target() {
  simd_detail::apply_target_environment();
  const std::int64_t allowed = hwy::SupportedTargets() & compiled_and_supported();
  return allowed & -allowed;  // the lowest bit is the best target
}

void simd_restrict(SimdTarget target) {
  const std::int64_t all = compiled_and_supported();
  if (target != 0 && ((target & (target - 1)) != 0 || (target & all) == 0))
    throw std::invalid_argument("simd_restrict: target " + std::to_string(target) +
                                " is not one of this build and CPU");
  // Highway's targets are bits, better ones lower: keep `target` and every higher bit (the lesser targets).
  hwy::SetSupportedTargetsForTest(target == 0 ? 0 : all & ~(target - 1));
}

}  // namespace blobflow
