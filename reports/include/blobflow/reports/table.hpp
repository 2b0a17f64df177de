// Tables for reports: a header row and string cells, rendered as aligned plain text or as Markdown.
// Numbers are formatted by the caller (format_number) so that every table shows what the code computed.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace blobflow::reports {

/// A rectangular table of strings.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  /// \throws std::invalid_argument when the row has a different number of cells than the header.
  void add_row(std::vector<std::string> cells);
  std::size_t n_rows() const { return rows_.size(); }
  /// Columns padded to equal width, two spaces apart.
  std::string to_text() const;
  /// A GitHub-flavoured Markdown table.
  std::string to_markdown() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

/// `value` with `significant` significant digits in scientific notation ("1.235e-04"); "-" when absent;
/// "nan"/"inf" spelled out.
std::string format_scientific(std::optional<double> value, int significant = 4);
/// The shortest decimal text that reads back as exactly `value` ("0.2", not "0.20000000000000001").
std::string format_shortest(double value);
/// `value` with `decimals` digits after the point ("0.98"); "-" when absent.
std::string format_fixed(std::optional<double> value, int decimals = 2);
/// `value` with at most `significant` significant digits, in the shorter of fixed and scientific notation
/// ("37.699", "1e-08"); "-" when absent.
std::string format_significant(std::optional<double> value, int significant = 5);

}  // namespace blobflow::reports
