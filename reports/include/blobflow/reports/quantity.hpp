// The symbol and unit of every metric and sweep axis a report draws or tabulates, declared once here: figures take
// their axis labels from it (gnuplot enhanced text for PNG/SVG/PDF, LaTeX for the cairolatex figures), tables their
// column heads (plain text for Markdown and HTML, LaTeX math for rates.tex). A key without a declaration is shown as
// written (typewriter in LaTeX), so a new metric is labelled, if plainly, before it is declared.
#pragma once

#include <string>
#include <string_view>

namespace blobflow::reports {

/// How one quantity is written. `latex` is the body of a math formula (no dollars); `gnuplot` is gnuplot's enhanced
/// text (subscripts with _, Unicode Greek); `unit` is empty for dimensionless quantities and those in the problem's
/// own units of length and time.
struct Quantity {
  std::string plain;    ///< for text, Markdown and HTML: "W2", "ε", "Δt"
  std::string gnuplot;  ///< for gnuplot's enhanced text: "W_2", "ε", "Δt"
  std::string latex;    ///< LaTeX math: "W_2", "\\varepsilon", "\\Delta t"
  std::string unit;     ///< "s" for wall time; empty otherwise
  bool declared = true; ///< false: the key itself, for a metric or axis without a declaration
};

/// The declared quantity of a metric (summary.json's outputs[] keys, energy_error, second_moment_error, the summary
/// metrics fits draw as floors) or an axis (a run key such as "discretization.particles", "t", "wall_seconds");
/// undeclared keys give {key, key, \texttt{key}, "", false}.
Quantity quantity(std::string_view key);

/// The error of a fit as a quantity: the metric's, or |X - X_ref| when it is compared with the sweep's reference run.
Quantity error_quantity(std::string_view metric, bool compare_to_reference);

/// A quantity with its unit in brackets for an axis label: "wall time [s]"; `latex` gives "$...$ [s]".
std::string axis_label_plain(const Quantity& q);
std::string axis_label_gnuplot(const Quantity& q);
std::string axis_label_latex(const Quantity& q);

/// `s` escaped for LaTeX text (not math): \ { } $ & # ^ _ % ~ and the characters LaTeX's default fonts lack
/// (|, <, >) are written as commands.
std::string latex_text(std::string_view s);

}  // namespace blobflow::reports
