// Convergence of the CEHT23 blob method on the 1D Barenblatt problem (studies/configs/barenblatt-1d.toml, the
// problem of the default study): the W2 error at T against the exact solution U_2(x, t/2) decreases with N at a
// least-squares order of at least 0.8. W2 of N equal masses is at best O(1/N) (the quantization floor, docs/math.md
// §2.5), so the order cannot exceed 1 by much; 0.8 leaves room for the eps = 4 h^0.99 regularization error.
#include <gtest/gtest.h>

#include "blobflow/analysis/rate_fit.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/study.hpp"

namespace blobflow {
namespace {

constexpr double kMinimumW2Order = 0.8;  // the order the vertical-slice acceptance requires

TEST(BarenblattConvergence, W2ErrorAtFinalTimeDecreasesAtOrderAtLeastPointEight) {
  const std::string base = builtin_config("barenblatt-1d");
  std::vector<double> n_values, errors;
  for (int n : {100, 200, 400, 800}) {
    const RunConfig config = parse_run_config(base, "barenblatt-1d.toml", {"discretization.particles=" + std::to_string(n)});
    const RunResult r = run_simulation(config);
    ASSERT_EQ(r.status, RunStatus::ok) << r.message;
    ASSERT_TRUE(r.outputs.back().get("w2").has_value());
    n_values.push_back(static_cast<double>(r.n_particles));
    errors.push_back(*r.outputs.back().get("w2"));
  }
  for (std::size_t k = 1; k < errors.size(); ++k) EXPECT_LT(errors[k], errors[k - 1]) << "N = " << n_values[k];
  const analysis::PowerLawFit fit = analysis::fit_power_law(n_values, errors);
  ASSERT_TRUE(fit.ok) << fit.message;
  EXPECT_GE(-fit.exponent, kMinimumW2Order) << "fitted order " << -fit.exponent;
}

}  // namespace
}  // namespace blobflow
