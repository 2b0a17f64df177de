// A small recursive-descent evaluator for eps laws (see expression.hpp for the grammar). Its recursion is bounded
// (kMaxNesting), so no input can exhaust the stack.
#include "blobflow/studies/expression.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "blobflow/studies/message.hpp"

namespace blobflow {
namespace {

/// Deepest nesting of parentheses, function calls, signs and exponents: an eps law needs a handful, and each level
/// costs a few stack frames of the parser, so 200 levels stay far below any thread's stack (also in sanitizer
/// builds, whose frames are several times larger).
constexpr int kMaxNesting = 200;

/// The functions an expression may call.
struct Function {
  std::string_view name;
  double (*apply)(double);
};
constexpr Function kFunctions[] = {
    {"sqrt", [](double a) { return std::sqrt(a); }},
    {"exp", [](double a) { return std::exp(a); }},
    {"log", [](double a) { return std::log(a); }},
};

class Parser {
 public:
  Parser(const std::string& text, const std::map<std::string, double>& variables)
      : text_(text), variables_(variables) {}

  double parse() {
    const double value = sum();
    skip_space();
    if (pos_ != text_.size()) fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    return value;
  }

 private:
  // sum := product (('+' | '-') product)*
  double sum() {
    double value = product();
    while (true) {
      if (accept('+')) value += product();
      else if (accept('-')) value -= product();
      else return value;
    }
  }
  // product := unary (('*' | '/') unary)*
  double product() {
    double value = unary();
    while (true) {
      if (accept('*')) value *= unary();
      else if (accept('/')) value /= unary();
      else return value;
    }
  }
  /// Counts one level of nesting for as long as it lives; too deep a level is an error, not a stack overflow.
  class Level {
   public:
    explicit Level(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxNesting)
        p_.fail("nested more than " + std::to_string(kMaxNesting) + " levels deep (parentheses, calls, signs, ^)");
    }
    ~Level() { --p_.depth_; }
    Level(const Level&) = delete;
    Level& operator=(const Level&) = delete;

   private:
    Parser& p_;
  };

  // unary := ('-' | '+') unary | power; every recursion of the grammar passes through here.
  double unary() {
    const Level level(*this);
    if (accept('-')) return -unary();
    if (accept('+')) return unary();
    return power();
  }
  // power := primary ('^' unary)?   (so 2^-1 and 2^3^2 = 2^9 work, and -2^2 = -4)
  double power() {
    const double base = primary();
    if (accept('^')) return std::pow(base, unary());
    return base;
  }
  // primary := number | name | name '(' sum ')' | '(' sum ')'
  double primary() {
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end of expression");
    if (accept('(')) {
      const double value = sum();
      expect(')');
      return value;
    }
    const char c = text_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return number();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::string name = identifier();
      if (accept('(')) {
        const double arg = sum();
        expect(')');
        for (const Function& f : kFunctions)
          if (f.name == name) return f.apply(arg);
        fail("unknown function '" + name + "' (known: sqrt, exp, log)");
      }
      const auto it = variables_.find(name);
      if (it == variables_.end()) {
        std::string known;
        for (const auto& [key, value] : variables_) known += (known.empty() ? "" : ", ") + key;
        fail("unknown variable '" + name + "' (known: " + known + ")");
      }
      return it->second;
    }
    fail("unexpected '" + std::string(1, c) + "'");
  }

  double number() {
    const char* begin = text_.c_str() + pos_;
    char* end = nullptr;
    const double value = std::strtod(begin, &end);
    if (end == begin) fail("malformed number");
    pos_ += static_cast<std::size_t>(end - begin);
    return value;
  }

  std::string identifier() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'");
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw ExpressionError("in \"" + clip_for_message(text_) + "\" at position " + std::to_string(pos_ + 1) + ": " +
                          what);
  }

  const std::string& text_;
  const std::map<std::string, double>& variables_;
  std::size_t pos_ = 0;
  int depth_ = 0;  ///< the current nesting (Level)
};

}  // namespace

double evaluate_expression(const std::string& text, const std::map<std::string, double>& variables) {
  return Parser(text, variables).parse();
}

}  // namespace blobflow
