// The densities a report's density figure draws for a run (reports/study_report.hpp, RunDensities), rebuilt from
// the resolved configuration in the run's record: the run's mollifier at its eps (solvers' mollifier_function),
// the target rhobar normalized on its box (MATH.md §2.2, §6: KL and chi^2 compare probability densities), and the
// exact solution where the run has one (exact.hpp). The report itself links neither solvers/ nor studies/.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "blobflow/reports/study_report.hpp"

namespace blobflow {

/// The 1D densities of a run from its runs.jsonl record (summary.config and summary.resolved.epsilon); empty for
/// d > 1, for a record without a summary, or when the configuration no longer parses. Grid targets get no target
/// curve (their extent lives in their file).
std::optional<reports::RunDensities> run_densities(const nlohmann::json& record);

}  // namespace blobflow
