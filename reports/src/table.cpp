// Plain-text and Markdown rendering of report tables.
#include "blobflow/reports/table.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace blobflow::reports {

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  if (cells.size() != headers_.size())
    throw std::invalid_argument("Table::add_row: " + std::to_string(cells.size()) + " cells for " +
                                std::to_string(headers_.size()) + " columns");
  rows_.push_back(std::move(cells));
}

std::string Table::to_text() const {
  std::vector<std::size_t> width(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    width[c] = headers_[c].size();
    for (const auto& row : rows_) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      s += std::string(width[c] - cells[c].size(), ' ') + cells[c];
      s += c + 1 < cells.size() ? "  " : "\n";
    }
    return s;
  };
  std::string s = line(headers_);
  for (const auto& row : rows_) s += line(row);
  return s;
}

std::string Table::to_markdown() const {
  auto line = [](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (const auto& c : cells) s += " " + c + " |";
    return s + "\n";
  };
  std::string s = line(headers_) + "|";
  for (std::size_t c = 0; c < headers_.size(); ++c) s += "---:|";
  s += "\n";
  for (const auto& row : rows_) s += line(row);
  return s;
}

namespace {
std::string format_with(std::optional<double> value, const char* format, int digits) {
  if (!value) return "-";
  if (std::isnan(*value)) return "nan";
  if (std::isinf(*value)) return *value > 0 ? "inf" : "-inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, digits, *value);
  return buffer;
}
}  // namespace

std::string format_scientific(std::optional<double> value, int significant) {
  return format_with(value, "%.*e", std::max(0, significant - 1));
}

std::string format_shortest(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string format_fixed(std::optional<double> value, int decimals) {
  return format_with(value, "%.*f", std::max(0, decimals));
}

std::string format_significant(std::optional<double> value, int significant) {
  return format_with(value, "%.*g", std::max(1, significant));
}

}  // namespace blobflow::reports
