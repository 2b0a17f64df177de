// Eps-law expressions: arithmetic, precedence, variables and errors (studies/expression.hpp).
#include "blobflow/studies/expression.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace blobflow {
namespace {

// Each case is a handful of correctly rounded operations: a few ulps of relative error at most.
constexpr double kRoundOff = 1e-15;

TEST(Expression, EvaluatesTheDefaultEpsLaw) {
  const double h = 0.0104;
  EXPECT_NEAR(evaluate_expression("4*h^0.99", {{"h", h}}), 4.0 * std::pow(h, 0.99), kRoundOff);
}

TEST(Expression, PowerIsRightAssociativeAndBindsTighterThanUnaryMinus) {
  EXPECT_DOUBLE_EQ(evaluate_expression("2^3^2", {}), 512.0);
  EXPECT_DOUBLE_EQ(evaluate_expression("-2^2", {}), -4.0);
  EXPECT_DOUBLE_EQ(evaluate_expression("2^-1", {}), 0.5);
  EXPECT_DOUBLE_EQ(evaluate_expression("0.5*N^-0.8", {{"N", 32.0}}), 0.5 * std::pow(32.0, -0.8));
}

TEST(Expression, HandlesPrecedenceParenthesesAndFunctions) {
  EXPECT_DOUBLE_EQ(evaluate_expression("1 + 2*3 - 4/2", {}), 5.0);
  EXPECT_DOUBLE_EQ(evaluate_expression("(1 + 2)*3", {}), 9.0);
  EXPECT_NEAR(evaluate_expression("sqrt(h) * exp(0) + log(1)", {{"h", 0.25}}), 0.5, kRoundOff);
  EXPECT_DOUBLE_EQ(evaluate_expression("1e-2 * d", {{"d", 2.0}}), 0.02);
}

TEST(Expression, RejectsMalformedInputWithThePosition) {
  for (const char* bad : {"", "4*", "4*h^", "(h", "h)", "4**h", "2 3", "@"}) {
    EXPECT_THROW(evaluate_expression(bad, {{"h", 1.0}}), ExpressionError) << bad;
  }
  try {
    evaluate_expression("4*q", {{"h", 1.0}, {"N", 2.0}});
    FAIL() << "unknown variable accepted";
  } catch (const ExpressionError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown variable 'q'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("h"), std::string::npos);
  }
  EXPECT_THROW(evaluate_expression("foo(1)", {}), ExpressionError);
}

std::string repeated(const std::string& piece, std::size_t count) {
  std::string s;
  for (std::size_t i = 0; i < count; ++i) s += piece;
  return s;
}

TEST(Expression, RefusesDeepNestingInsteadOfOverflowingTheStack) {
  const std::string parentheses = repeated("(", 20000) + "h" + repeated(")", 20000);
  const std::string signs = repeated("-", 1000000) + "h";
  const std::string calls = repeated("sqrt(", 100000) + "h" + repeated(")", 100000);
  const std::string exponents = repeated("h^", 100000) + "h";
  for (const std::string& deep : {parentheses, signs, calls, exponents}) {
    try {
      evaluate_expression(deep, {{"h", 1.0}});
      FAIL() << "a nesting " << deep.size() << " characters deep was evaluated";
    } catch (const ExpressionError& e) {
      EXPECT_NE(std::string(e.what()).find("nested more than"), std::string::npos) << e.what();
      EXPECT_LT(std::string(e.what()).size(), 400u) << "the message quotes the whole expression";
    }
  }
}

TEST(Expression, EvaluatesNestingUpToTheLimit) {
  const std::string nested = repeated("(", 100) + "h" + repeated(")", 100);
  EXPECT_DOUBLE_EQ(evaluate_expression(nested, {{"h", 0.5}}), 0.5);
  EXPECT_DOUBLE_EQ(evaluate_expression(repeated("-", 100) + "h", {{"h", 0.5}}), 0.5);
}

}  // namespace
}  // namespace blobflow
