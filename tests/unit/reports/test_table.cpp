// Report tables: alignment, Markdown shape and number formatting (reports/table.hpp).
#include "blobflow/reports/table.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace blobflow::reports {
namespace {

TEST(Table, TextColumnsAreRightAlignedToTheWidestCell) {
  Table t({"N", "W2"});
  t.add_row({"100", "1.372e-02"});
  t.add_row({"1600", "-"});
  EXPECT_EQ(t.to_text(), "   N         W2\n 100  1.372e-02\n1600          -\n");
}

TEST(Table, MarkdownHasAHeaderSeparatorAndOneLinePerRow) {
  Table t({"a", "b"});
  t.add_row({"1", "2"});
  EXPECT_EQ(t.to_markdown(), "| a | b |\n|---:|---:|\n| 1 | 2 |\n");
}

TEST(Table, RowsOfTheWrongWidthAreRejected) {
  Table t({"a", "b"});
  EXPECT_THROW(t.add_row({"1"}), std::invalid_argument);
}

TEST(Format, NumbersMissingValuesAndNonFiniteValues) {
  EXPECT_EQ(format_scientific(0.00012345678, 4), "1.235e-04");
  EXPECT_EQ(format_fixed(0.98765, 2), "0.99");
  EXPECT_EQ(format_scientific(std::nullopt), "-");
  EXPECT_EQ(format_fixed(std::nan("")), "nan");
  EXPECT_EQ(format_scientific(-INFINITY), "-inf");
}

}  // namespace
}  // namespace blobflow::reports

namespace blobflow::reports {
namespace {

TEST(Format, ShortestTextReadsBackExactly) {
  EXPECT_EQ(format_shortest(0.2), "0.2");
  EXPECT_EQ(format_shortest(1e-8), "1e-08");
  for (double v : {0.1, 1.0 / 3.0, 2.0800838230519, 6.02e23, -2.5e-300}) EXPECT_EQ(std::stod(format_shortest(v)), v);
}

}  // namespace
}  // namespace blobflow::reports
