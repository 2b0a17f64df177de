// Exact laws named in text (law_spec.hpp): one table of kinds, each with its keys, its help line and its builder.
#include "blobflow/studies/law_spec.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <span>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/exact_solutions.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/solvers/registry.hpp"
#include "blobflow/studies/message.hpp"

namespace blobflow {
namespace {

/// "--exact SPEC" for a message, the spec shortened when long.
std::string exact_prefix(std::string_view text) { return "--exact " + clip_for_message(text); }

/// The values of a spec by key, each one number or several.
using Values = std::map<std::string, std::vector<double>, std::less<>>;

/// What a builder needs: the spec's text for messages, its values, and the dimension.
struct SpecInput {
  const std::string& text;
  const Values& values;
  int d;

  LawSpecError error(const std::string& rule) const { return LawSpecError(exact_prefix(text) + ": " + rule); }
  bool has(std::string_view key) const { return values.find(key) != values.end(); }
  /// The numbers of `key`, checked to be `count` of them (0: any number >= 1).
  const std::vector<double>& numbers(std::string_view key, std::size_t count) const {
    const auto it = values.find(key);
    if (it == values.end()) throw error(std::string(key) + " must be given");
    if (count != 0 && it->second.size() != count)
      throw error(std::string(key) + " has " + std::to_string(it->second.size()) + " numbers: must have " +
                  std::to_string(count) + " (d = " + std::to_string(d) + ")");
    return it->second;
  }
  double number(std::string_view key, double fallback) const { return has(key) ? numbers(key, 1)[0] : fallback; }
  analysis::Point3 point(std::string_view key) const {
    analysis::Point3 p{};
    if (!has(key)) return p;
    const std::vector<double>& v = numbers(key, static_cast<std::size_t>(d));
    std::copy(v.begin(), v.end(), p.begin());
    return p;
  }
};

/// A d x d covariance from 1 number (a multiple of the identity) or d^2 numbers (row-major) starting at `first`.
std::vector<double> covariance(const SpecInput& in, std::span<const double> v) {
  const auto d = static_cast<std::size_t>(in.d);
  std::vector<double> c(d * d, 0.0);
  if (v.size() == 1) {
    for (std::size_t k = 0; k < d; ++k) c[k * d + k] = v[0];
  } else {
    std::copy(v.begin(), v.end(), c.begin());
  }
  return c;
}

ExactLaw barenblatt(const SpecInput& in) {
  const double t = in.number("t", std::numeric_limits<double>::quiet_NaN());
  if (!(t > 0.0)) throw in.error("t must be given and > 0 (e.g. barenblatt:t=1)");
  ExactLaw out;
  try {
    const analysis::Barenblatt profile(in.d, in.number("m", 2.0), in.number("mass", 1.0), in.number("D", 1.0));
    out.law = std::make_shared<analysis::RadialPowerLaw>(analysis::barenblatt_law(profile, t));
    if (in.d == 1) out.law_1d = std::make_shared<analysis::BarenblattLaw1D>(profile, t);
  } catch (const std::invalid_argument& e) {
    throw in.error(e.what());
  }
  return out;
}

ExactLaw uniform(const SpecInput& in) {
  analysis::Box box{.dimension = in.d};
  const auto d = static_cast<std::size_t>(in.d);
  for (const std::string_view key : {"lo", "hi"}) {
    const std::vector<double>& v = in.numbers(key, 0);
    if (v.size() != 1 && v.size() != d)
      throw in.error(std::string(key) + " has " + std::to_string(v.size()) + " numbers: must have 1 or d = " +
                     std::to_string(d));
    for (std::size_t k = 0; k < d; ++k) (key == "lo" ? box.lo : box.hi)[k] = v.size() == 1 ? v[0] : v[k];
  }
  double volume = 1.0;
  for (std::size_t k = 0; k < d; ++k) {
    if (!(box.lo[k] < box.hi[k]) || !std::isfinite(box.lo[k]) || !std::isfinite(box.hi[k]))
      throw in.error("LO and HI must be finite numbers with LO < HI");
    volume *= box.hi[k] - box.lo[k];
  }
  // The density is 1 / volume: a box whose volume underflows to 0 or overflows has no finite, positive density.
  if (!(volume > 0.0) || !std::isfinite(volume) || !std::isfinite(1.0 / volume))
    throw in.error("the box volume " + reports::format_shortest(volume) +
                   " must be a finite number whose inverse (the density) is finite");
  ExactLaw out;
  out.law = std::make_shared<analysis::UniformBoxLaw>(box);
  if (in.d == 1) out.law_1d = std::make_shared<analysis::UniformLaw1D>(box.lo[0], box.hi[0]);
  return out;
}

ExactLaw ball(const SpecInput& in) {
  const double radius = in.numbers("radius", 1)[0];
  if (!(radius > 0.0)) throw in.error("radius = " + std::to_string(radius) + ": must be > 0");
  ExactLaw out;
  out.law = std::make_shared<analysis::RadialPowerLaw>(analysis::uniform_ball_law(in.d, in.point("centre"), radius));
  if (in.d == 1) {
    const double c = in.point("centre")[0];
    out.law_1d = std::make_shared<analysis::UniformLaw1D>(c - radius, c + radius);
  }
  return out;
}

/// One Gaussian component: mean (d numbers) and covariance (1 or d^2 numbers).
std::shared_ptr<const analysis::LawND> gaussian_component(const SpecInput& in, std::span<const double> mean,
                                                          std::span<const double> cov) {
  analysis::Point3 m{};
  std::copy(mean.begin(), mean.end(), m.begin());
  try {
    return std::make_shared<analysis::GaussianLawND>(in.d, m, covariance(in, cov));
  } catch (const std::invalid_argument& e) {
    throw in.error(e.what());
  }
}

std::size_t covariance_size(const SpecInput& in, std::string_view key) {
  const std::size_t n = in.numbers(key, 0).size();
  const auto d2 = static_cast<std::size_t>(in.d * in.d);
  if (n != 1 && n != d2)
    throw in.error(std::string(key) + " has " + std::to_string(n) + " numbers: must have 1 (a multiple of the "
                   "identity) or d^2 = " + std::to_string(d2) + " (row-major)");
  return n;
}

ExactLaw gaussian(const SpecInput& in) {
  covariance_size(in, "cov");
  const analysis::Point3 mean = in.point("mean");
  ExactLaw out;
  out.law = gaussian_component(in, std::span<const double>(mean.data(), static_cast<std::size_t>(in.d)),
                               in.numbers("cov", 0));
  if (in.d == 1) out.law_1d = std::make_shared<analysis::GaussianLaw1D>(mean[0], std::sqrt(in.numbers("cov", 0)[0]));
  return out;
}

ExactLaw mixture(const SpecInput& in) {
  const std::vector<double>& weights = in.numbers("weights", 0);
  const std::size_t k = weights.size(), d = static_cast<std::size_t>(in.d);
  const std::vector<double>& means = in.numbers("means", k * d);
  const std::size_t per = covariance_size(in, "cov");
  const std::vector<double>& cov = in.numbers("cov", 0);
  std::vector<std::shared_ptr<const analysis::LawND>> components;
  for (std::size_t j = 0; j < k; ++j)
    components.push_back(gaussian_component(in, std::span<const double>(means).subspan(j * d, d),
                                            std::span<const double>(cov).first(per)));
  ExactLaw out;
  try {
    out.law = std::make_shared<analysis::MixtureLaw>(weights, std::move(components));
  } catch (const std::invalid_argument& e) {
    throw in.error(e.what());
  }
  return out;
}

/// The column at which --help starts the meaning of each kind of law.
constexpr std::size_t kHelpColumn = 54;

/// A kind of law: its name, help, the keys it takes and its builder.
struct LawKind {
  std::string_view name;
  std::string_view description;  ///< the meaning, for --help
  std::string_view syntax;       ///< how it is written, for --help
  std::vector<std::string_view> keys;
  ExactLaw (*build)(const SpecInput&);
  std::vector<std::string_view> positional = {};  ///< keys that may also be given as bare numbers, in this order
};

const Registry<LawKind>& law_kinds() {
  static const std::vector<LawKind> kinds{
      {"barenblatt", "the Barenblatt profile U_m(x, D t) at time t = T: D = 1 (the default) for pme, d/dt u = Lap(u^m); "
       "D = 0.5 for wpme with rhobar == 1, d/dt rho = 1/2 Lap(rho^2), the problem of the barenblatt configurations",
       "barenblatt:t=T[,m=2][,mass=1][,D=1][,d=DIM]", {"t", "m", "mass", "D", "d"}, barenblatt},
      {"uniform", "uniform on [LO, HI]^d, or on a box (1 or d numbers each)",
       "uniform:LO,HI or uniform:lo=LO...,hi=HI...", {"lo", "hi", "d"}, uniform, {"lo", "hi"}},
      {"ball", "uniform on a ball", "ball:radius=R[,centre=C...][,d=DIM]", {"radius", "centre", "d"}, ball},
      {"gaussian", "N(mean, cov): cov is 1 number (times the identity) or d^2 (row-major)",
       "gaussian:cov=C[,mean=M...][,d=DIM]", {"cov", "mean", "d"}, gaussian},
      {"mixture", "Gaussians: k weights, k d means, one cov shared by all",
       "mixture:weights=W...,means=M...,cov=C[,d=DIM]", {"weights", "means", "cov", "d"}, mixture},
  };
  static const Registry<LawKind> registry{std::span<const LawKind>(kinds)};
  return registry;
}

std::optional<std::vector<double>> parse_numbers(std::string_view text) {
  std::vector<double> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i == text.size()) break;
    const std::size_t end = std::min(text.find(' ', i), text.size());
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + end, v);
    if (ec != std::errc() || ptr != text.data() + end || !std::isfinite(v)) return std::nullopt;
    out.push_back(v);
    i = end;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

/// KEY=VALUE items separated by commas; a kind with positional keys also takes exactly that many bare values
/// (`uniform:LO,HI` is lo=LO,hi=HI).
Values parse_values(const std::string& text, std::string_view body, const LawKind& entry) {
  Values values;
  std::vector<std::string_view> items;
  for (std::size_t start = 0; start <= body.size() && !body.empty();) {
    const std::size_t comma = std::min(body.find(',', start), body.size());
    items.push_back(body.substr(start, comma - start));
    start = comma + 1;
  }
  const bool positional = !entry.positional.empty() && items.size() == entry.positional.size() &&
                          std::none_of(items.begin(), items.end(), [](auto s) { return s.find('=') != s.npos; });
  for (std::size_t n = 0; n < items.size(); ++n) {
    const std::string_view item = items[n];
    const std::size_t eq = item.find('=');
    const std::string key = positional ? std::string(entry.positional[n]) : std::string(item.substr(0, eq));
    const std::string_view value = positional ? item : eq == item.npos ? std::string_view() : item.substr(eq + 1);
    if (!positional && eq == item.npos)
      throw LawSpecError(exact_prefix(text) + ": \"" + std::string(item) + "\": expected KEY=NUMBER[ NUMBER...]");
    if (std::find(entry.keys.begin(), entry.keys.end(), key) == entry.keys.end()) {
      std::string known;
      for (std::string_view k : entry.keys) known += (known.empty() ? "" : ", ") + std::string(k);
      throw LawSpecError(exact_prefix(text) + ": unknown key \"" + key + "\" (known: " + known + ")");
    }
    const std::optional<std::vector<double>> numbers = parse_numbers(value);
    if (!numbers)
      throw LawSpecError(exact_prefix(text) + ": " + key + " = \"" + std::string(value) +
                         "\": must be finite numbers separated by spaces");
    if (!values.emplace(key, *numbers).second) throw LawSpecError(exact_prefix(text) + ": " + key + " given twice");
  }
  return values;
}

}  // namespace

ExactLaw parse_exact_law(const std::string& text, int default_dimension) {
  const std::size_t colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string_view body = colon == std::string::npos ? std::string_view() : std::string_view(text).substr(colon + 1);
  const LawKind* entry = law_kinds().find(kind);
  if (!entry) throw LawSpecError(exact_prefix(text) + ": unknown law \"" + kind + "\": " + law_kinds().rule_for(kind));
  const Values values = parse_values(text, body, *entry);
  int d = default_dimension;
  if (const auto it = values.find("d"); it != values.end()) {
    const double v = it->second.size() == 1 ? it->second[0] : 0.0;
    if (v != std::floor(v) || v < 1 || v > 3) throw LawSpecError(exact_prefix(text) + ": d must be 1, 2 or 3");
    d = static_cast<int>(v);
  }
  ExactLaw out = entry->build(SpecInput{text, values, d});
  out.dimension = d;
  return out;
}

std::string exact_law_help() {
  std::string out;
  for (const LawKind& k : law_kinds().entries()) {
    std::string line = "      " + std::string(k.syntax);
    line.resize(std::max(line.size() + 2, kHelpColumn), ' ');
    out += line + std::string(k.description) + "\n";
  }
  return out;
}

}  // namespace blobflow
