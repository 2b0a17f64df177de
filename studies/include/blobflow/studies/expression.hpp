// Arithmetic expressions for blob-width laws such as "4*h^0.99" or "0.5*N^-0.8" (docs/architecture.md "Configuration").
// Grammar: numbers, variables, + - * / ^ (right-associative, binding tighter than unary minus), parentheses and
// the functions sqrt, exp, log.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

namespace blobflow {

/// A malformed expression or an unknown variable; the message says where.
class ExpressionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Evaluates `text` with the given variable values. \throws ExpressionError when it does not parse or names a
/// variable that is not in `variables`.
double evaluate_expression(const std::string& text, const std::map<std::string, double>& variables);

}  // namespace blobflow
