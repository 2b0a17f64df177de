// Fuzzes the eps-law expressions (studies/expression.hpp): any text either evaluates or is refused with an
// ExpressionError; nesting is bounded, so no input exhausts the stack.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace blobflow;
  const std::string text = fuzz::text_of(data, size);
  fuzz::expect_refusal_or_success(
      [&] { (void)evaluate_expression(text, {{"h", 0.01}, {"N", 200.0}, {"d", 1.0}}); });
  return 0;
}
