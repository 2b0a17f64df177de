// Exact laws named in text, as `blobflow distance --exact SPEC` takes them: KIND:KEY=VALUE,KEY=VALUE where a VALUE is
// one number or several separated by spaces ("gaussian:mean=0 0,cov=0.5"). The kinds, their keys and their rules
// are one table in law_spec.cpp, which also prints them for --help.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/law_nd.hpp"

namespace blobflow {

/// A spec that does not name a valid law; the message names the spec, the key, the value and the rule.
struct LawSpecError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// A parsed exact law.
struct ExactLaw {
  int dimension = 1;
  /// The law as the semi-discrete solver integrates it (analysis/law_nd.hpp), in every dimension.
  std::shared_ptr<const analysis::LawND> law;
  /// In 1D, where the law has a quantile function (barenblatt, uniform, gaussian): the exact W1, W2 and W-inf of
  /// wasserstein1d.hpp; else null.
  std::shared_ptr<const analysis::Law1D> law_1d;
};

/// Parses `text`. `default_dimension` is the dimension of the particles it is compared with, used unless the spec
/// sets d. \throws LawSpecError.
ExactLaw parse_exact_law(const std::string& text, int default_dimension);

/// One line per kind: its syntax and meaning, for the usage text.
std::string exact_law_help();

}  // namespace blobflow
