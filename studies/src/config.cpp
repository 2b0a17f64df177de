// Parsing and validation of run configurations (see config.hpp). Rules follow DESIGN.md's canonical keys.
#include "blobflow/studies/config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "blobflow/reports/table.hpp"
#include "blobflow/solvers/fft_sum.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/expression.hpp"

namespace blobflow {
namespace {

constexpr ConfigKey kSchema[] = {
    {"problem", "equation", "\"wpme\"", "\"wpme\": d/dt rho = div(rho grad(rho/rhobar)); \"pme\": d/dt rho = Lap(rho^m)"},
    {"problem", "dimension", "1", "space dimension d: 1, 2 or 3"},
    {"problem", "m", "2", "pme exponent, >= 1 (m = 1: heat equation); wpme: 2 only"},
    {"problem", "target", "\"uniform\"",
     "wpme target rhobar (blobflow list targets; parameters in [target]); \"uniform\" without a box is rhobar == 1 "
     "on R^d (pme: no target)"},
    {"problem", "initial", "\"barenblatt\"", "\"exact\" (the problem's exact solution at t0), \"barenblatt\" (the same data: the Barenblatt profile, or the heat kernel for m = 1, at t0; errors measured where an exact solution exists) or \"uniform\""},
    {"problem", "mass", "1.0", "total mass M > 0"},
    {"problem", "initial_support", "[-0.5, 0.5]", "[lo, hi] per coordinate of the uniform initial density"},
    {"problem", "t0", "0.25", "start time, >= 0 (> 0 for initial = \"exact\")"},
    {"problem", "t_final", "1.0", "end time, > t0"},
    {"discretization", "particles", "200", "N >= 2 (in d > 1 the nearest lattice size, reported)"},
    {"discretization", "epsilon", "\"4*h^0.99\"", "blob width eps > 0: a number or an expression of h, N, d"},
    {"discretization", "mollifier", "\"gaussian\"", "mollifier zeta (blobflow list mollifiers)"},
    {"discretization", "placement", "\"auto\"", "\"auto\", \"quantile\" (1D only), \"lattice\" or \"random\" (i.i.d. samples, seed)"},
    {"discretization", "seed", "0", "random placement: seed >= 0 of its std::mt19937_64 (replicates: seed + r)"},
    {"discretization", "engine", "\"auto\"", "summation engine (blobflow list engines); \"auto\" picks one"},
    {"discretization", "engine_accuracy", "0",
     "relative error allowed to the non-exact engine fft: 0 = round-off (auto never picks fft; fft runs at 1e-10), "
     "else in [5e-12, 1): fft picks its grid from it, and auto may pick fft"},
    {"target", "box_lo", "[]", "uniform: lower corner of the support box (1 or d numbers); empty: all of R^d"},
    {"target", "box_hi", "[]", "uniform: upper corner of the support box (1 or d numbers)"},
    {"target", "mean", "[]", "gaussian: the mean, d numbers"},
    {"target", "covariance", "[]", "gaussian: the covariance, d*d numbers row-major, symmetric positive definite"},
    {"target", "weights", "[]", "mixture: K weights > 0 (normalized to sum 1)"},
    {"target", "means", "[]", "mixture: K*d numbers, component-major"},
    {"target", "covariances", "[]", "mixture: K*d*d numbers, component-major"},
    {"target", "pieces", "[]", "piecewise: boxes [{lo = [..], hi = [..], value = v}, ...] with disjoint interiors"},
    {"target", "grid_file", "\"\"", "grid: CSV file sampling rhobar on a regular tensor grid (README)"},
    {"target", "floor_fraction", "\"auto\"",
     "rhobar outside a bounded support, as a fraction of its maximum, in (0, 1); \"auto\": 1e-3 for bounded "
     "supports, no floor for gaussian and mixture"},
    {"target", "method", "\"auto\"", "y-integral: \"auto\", \"closed-form\" (gaussian mollifier, piecewise "
                                         "target) or \"quadrature\""},
    {"target", "quadrature_accuracy", "1e-10", "quadrature: relative accuracy that sets the lattice spacing, (0, 0.1]"},
    {"target", "quadrature_spacing", "0", "quadrature: dy / eps, overriding quadrature_accuracy when > 0"},
    {"potential", "kind", "\"none\"", "external potential V: \"none\", \"quadratic\", \"double-well\" or "
                                         "\"polynomial\""},
    {"potential", "strength", "1.0", "quadratic: V = c/2 |x - x0|^2 with c > 0; double-well: a > 0"},
    {"potential", "center", "[]", "quadratic: x0 (d numbers); empty: the origin"},
    {"potential", "well_radius", "1.0", "double-well: V = a (|x|^2 - b^2)^2 / 4 with b > 0"},
    {"potential", "coefficients", "[]", "polynomial: c0, c1, ..., cK of V = sum_l sum_k c_k x_l^k"},
    {"interaction", "kind", "\"none\"", "interaction kernel W: \"none\", \"gaussian\" or \"newtonian\" (2D)"},
    {"interaction", "amplitude", "1.0", "gaussian: W(z) = -A exp(-|z|^2 / (2 l^2)) with A > 0"},
    {"interaction", "length", "1.0", "gaussian: l > 0"},
    {"interaction", "chi", "1.0", "newtonian: sensitivity chi > 0 of the Keller-Segel attraction (MATH.md §4.7)"},
    {"integrator", "method", "\"dopri5\"", "time integrator (blobflow list integrators)"},
    {"integrator", "dt", "1e-3", "fixed-step methods: largest step; adaptive: first trial step; > 0"},
    {"integrator", "rtol", "1e-8", "adaptive: tolerance relative to the cloud's RMS radius, > 0"},
    {"integrator", "atol", "1e-10", "adaptive: absolute tolerance in length units, > 0"},
    {"integrator", "max_steps", "10000000", "largest number of steps (accepted + rejected), >= 1"},
    {"output", "times", "[]", "output times in (t0, t_final]; t_final is always included"},
    {"output", "diagnostics_every", "1", "accepted steps between energy diagnostics, >= 0 (0: output times only)"},
};

std::string format_double(double v) { return reports::format_shortest(v); }

std::string format_node(const toml::node& node) {
  std::ostringstream s;
  if (auto v = node.as_string()) s << '"' << v->get() << '"';
  else if (auto i = node.as_integer()) s << i->get();
  else if (auto f = node.as_floating_point()) s << format_double(f->get());
  else if (auto b = node.as_boolean()) s << (b->get() ? "true" : "false");
  else if (auto a = node.as_array()) s << *a;
  else if (node.is_table()) s << "{table}";
  else s << "<value>";
  return s.str();
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t next = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}

/// " (did you mean \"x\"?)" for the closest candidate within a small edit distance, or "".
std::string did_you_mean(std::string_view given, const std::vector<std::string>& candidates) {
  constexpr std::size_t kMaxTypoDistance = 3;  // catches swapped, missing or doubled letters, not unrelated words
  std::string best;
  std::size_t best_distance = kMaxTypoDistance + 1;
  for (const auto& c : candidates) {
    const std::size_t dist = edit_distance(given, c);
    if (dist < best_distance) best_distance = dist, best = c;
  }
  return best.empty() ? "" : " (did you mean \"" + best + "\"?)";
}

std::string names_of(std::span<const ComponentInfo> registry) {
  std::string s;
  for (const auto& c : registry) s += (s.empty() ? "\"" : ", \"") + std::string(c.name) + "\"";
  return s;
}

/// Reads typed values out of the TOML table, collecting every violation.
class Reader {
 public:
  explicit Reader(std::vector<std::string>& errors) : errors_(errors) {}

  void error(std::string_view key, const toml::node& node, const std::string& rule) {
    errors_.push_back(std::string(key) + " = " + format_node(node) + ": " + rule);
  }

  void read_string(std::string_view key, const toml::node& node, std::string& out) {
    if (auto v = node.as_string()) out = v->get();
    else error(key, node, "must be a string");
  }
  void read_double(std::string_view key, const toml::node& node, double& out) {
    if (auto f = node.as_floating_point()) out = f->get();
    else if (auto i = node.as_integer()) out = static_cast<double>(i->get());
    else error(key, node, "must be a number");
  }
  void read_int(std::string_view key, const toml::node& node, std::int64_t& out) {
    if (auto i = node.as_integer()) out = i->get();
    else error(key, node, "must be an integer");
  }
  void read_doubles(std::string_view key, const toml::node& node, std::vector<double>& out) {
    const toml::array* array = node.as_array();
    if (!array) return error(key, node, "must be an array of numbers");
    std::vector<double> values;
    for (const toml::node& element : *array) {
      if (auto f = element.as_floating_point()) values.push_back(f->get());
      else if (auto i = element.as_integer()) values.push_back(static_cast<double>(i->get()));
      else return error(key, node, "must be an array of numbers");
    }
    out = std::move(values);
  }
  /// An array of tables {lo = [...], hi = [...], value = v} (the boxes of a piecewise target).
  void read_boxes(std::string_view key, const toml::node& node, std::vector<TargetBox>& out) {
    const toml::array* array = node.as_array();
    constexpr std::string_view kRule = "must be an array of tables {lo = [numbers], hi = [numbers], value = number}";
    if (!array) return error(key, node, std::string(kRule));
    std::vector<TargetBox> boxes;
    for (const toml::node& element : *array) {
      const toml::table* box = element.as_table();
      if (!box) return error(key, node, std::string(kRule));
      TargetBox b;
      std::vector<std::string> local;
      Reader inner(local);
      for (const auto& [field, value] : *box) {
        const std::string name = std::string(key) + "[" + std::to_string(boxes.size()) + "]." + std::string(field.str());
        if (field.str() == "lo") inner.read_doubles(name, value, b.lo);
        else if (field.str() == "hi") inner.read_doubles(name, value, b.hi);
        else if (field.str() == "value") inner.read_double(name, value, b.value);
        else local.push_back(name + ": unknown key (a box has lo, hi and value)");
      }
      if (!box->contains("lo") || !box->contains("hi") || !box->contains("value"))
        local.push_back(std::string(key) + "[" + std::to_string(boxes.size()) + "]: " + std::string(kRule));
      if (!local.empty()) {
        errors_.insert(errors_.end(), local.begin(), local.end());
        return;
      }
      boxes.push_back(std::move(b));
    }
    out = std::move(boxes);
  }

 private:
  std::vector<std::string>& errors_;
};

/// Applies one "section.key=value" override to the table.
void apply_override(toml::table& table, const std::string& assignment, std::vector<std::string>& errors) {
  const auto eq = assignment.find('=');
  const std::string path = assignment.substr(0, eq);
  const auto dot = path.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 == path.size() ||
      path.find('.', dot + 1) != std::string::npos) {
    errors.push_back("--set " + assignment + ": must have the form section.key=value");
    return;
  }
  const std::string section = path.substr(0, dot), key = path.substr(dot + 1), text = assignment.substr(eq + 1);
  toml::node_view<toml::node> existing = table[section];
  if (existing && !existing.is_table()) {
    errors.push_back("--set " + assignment + ": \"" + section + "\" is not a section");
    return;
  }
  if (!existing) table.insert(section, toml::table{});
  toml::table& target = *table[section].as_table();
  try {
    toml::table parsed = toml::parse("value = " + text);
    target.insert_or_assign(key, std::move(*parsed.get("value")));
  } catch (const toml::parse_error&) {
    target.insert_or_assign(key, text);  // a bare word such as rk4 is read as the string "rk4"
  }
}

void validate(const RunConfig& c, const std::set<std::string>& given, std::vector<std::string>& errors) {
  const auto& p = c.problem;
  const auto& d = c.discretization;
  const auto& in = c.integrator;
  auto fail = [&](const std::string& key, const std::string& value, const std::string& rule) {
    errors.push_back(key + " = " + value + ": " + rule);
  };
  auto quoted = [](const std::string& s) { return "\"" + s + "\""; };

  if (!is_registered(equation_registry(), p.equation))
    fail("problem.equation", quoted(p.equation), "must be one of " + names_of(equation_registry()));
  if (p.dimension < 1 || p.dimension > 3) fail("problem.dimension", std::to_string(p.dimension), "must be 1, 2 or 3");
  if (p.equation == "pme") {
    if (!(p.m >= 1.0) || !std::isfinite(p.m)) fail("problem.m", format_double(p.m), "must be >= 1");
    // The defaults are harmless (pme has no target; wpme with rhobar == 1 is the m = 2 equation), so switching
    // the equation of a file with --set keeps working; any other value would be silently ignored: reject it.
    if (given.count("problem.target") && p.target != "uniform")
      fail("problem.target", quoted(p.target), "applies to equation = \"wpme\" only");
  } else if (p.equation == "wpme") {
    if (given.count("problem.m") && p.m != 2.0)
      fail("problem.m", format_double(p.m), "applies to equation = \"pme\" only (wpme with rhobar == 1 has m = 2)");
    if (!is_registered(target_registry(), p.target))
      fail("problem.target", quoted(p.target), "must be one of " + names_of(target_registry()));
  }
  const bool exact_initial = p.initial == "exact" || p.initial == "barenblatt";
  if (!exact_initial && p.initial != "uniform")
    fail("problem.initial", quoted(p.initial), "must be \"exact\", \"barenblatt\" or \"uniform\"");
  if (!(p.mass > 0.0) || !std::isfinite(p.mass)) fail("problem.mass", format_double(p.mass), "must be > 0");
  if (p.initial_support.size() != 2 || !(p.initial_support[0] < p.initial_support[1]) ||
      !std::isfinite(p.initial_support[0]) || !std::isfinite(p.initial_support[1])) {
    std::string value = "[";
    for (std::size_t i = 0; i < p.initial_support.size(); ++i)
      value += (i ? ", " : "") + format_double(p.initial_support[i]);
    fail("problem.initial_support", value + "]", "must be [lo, hi] with finite lo < hi");
  }
  if (!std::isfinite(p.t0) || p.t0 < 0.0) fail("problem.t0", format_double(p.t0), "must be >= 0");
  else if (exact_initial && !(p.t0 > 0.0))
    fail("problem.t0", format_double(p.t0),
         "must be > 0 with initial = " + quoted(p.initial) + " (the exact solutions start from a Dirac mass at 0)");
  const bool times_valid = std::isfinite(p.t0) && std::isfinite(p.t_final) && p.t_final > p.t0;
  if (!times_valid && std::isfinite(p.t0))
    fail("problem.t_final", format_double(p.t_final), "must be > problem.t0 = " + format_double(p.t0));

  if (d.particles < 2) fail("discretization.particles", std::to_string(d.particles), "must be >= 2");
  try {
    (void)evaluate_expression(d.epsilon, {{"h", 1.0}, {"N", 2.0}, {"d", 1.0}});
  } catch (const ExpressionError& e) {
    fail("discretization.epsilon", quoted(d.epsilon), std::string("must be a number or an expression of h, N, d: ") + e.what());
  }
  if (!is_registered(mollifier_registry(), d.mollifier))
    fail("discretization.mollifier", quoted(d.mollifier), "must be one of " + names_of(mollifier_registry()));
  else if (p.equation == "pme" && p.m != 2.0 && mollifier_order(d.mollifier) > 2)
    fail("discretization.mollifier", quoted(d.mollifier),
         "changes sign (order " + std::to_string(mollifier_order(d.mollifier)) + "); with equation = \"pme\" it " +
             "needs m = 2, where the energy stays a square (MATH.md §2.3); m = " + format_double(p.m));
  if (d.placement != "auto" && d.placement != "quantile" && d.placement != "lattice" && d.placement != "random")
    fail("discretization.placement", quoted(d.placement), "must be \"auto\", \"quantile\", \"lattice\" or \"random\"");
  else if (d.placement == "quantile" && p.dimension != 1)
    fail("discretization.placement", quoted(d.placement), "is for dimension = 1 only; use \"lattice\"");
  if (d.seed < 0) fail("discretization.seed", std::to_string(d.seed), "must be >= 0");
  if (!is_registered(engine_registry(), d.engine))
    fail("discretization.engine", quoted(d.engine), "must be one of " + names_of(engine_registry()));
  if (d.engine_accuracy != 0.0 && !(d.engine_accuracy >= FftSum::min_accuracy() && d.engine_accuracy < 1.0))
    fail("discretization.engine_accuracy", format_double(d.engine_accuracy),
         "must be 0 (round-off) or lie in [" + format_double(FftSum::min_accuracy()) +
             ", 1) (the measured accuracy table of the fft engine)");

  // [target], [potential], [interaction]: the solver factories check their parameters and name the key
  // ("target.box_lo = ...: rule"); a section given for a kind that does not read it is refused.
  if (p.equation == "wpme" && is_registered(target_registry(), p.target) && !is_uniform_on_whole_space(c.target)) {
    try {
      (void)make_target(c.target, p.dimension);
    } catch (const std::exception& e) {
      errors.push_back(e.what());
    }
  }
  for (const std::string& key : given)
    if (key.rfind("target.", 0) == 0 && p.equation != "wpme")
      fail(key, "(given)", "applies to equation = \"wpme\" only (pme has no target)");
  try {
    if (c.potential.kind != "none") (void)ExternalPotential(c.potential, p.dimension);
  } catch (const std::exception& e) {
    errors.push_back(e.what());
  }
  try {
    (void)make_interaction_kernel(c.interaction, p.dimension, d.mollifier, 1.0);
  } catch (const std::exception& e) {
    errors.push_back(e.what());
  }
  if (!find_integrator(in.method)) {
    std::string names;
    for (const auto& info : integrator_registry()) names += (names.empty() ? "\"" : ", \"") + std::string(info.name) + "\"";
    std::vector<std::string> candidates;
    for (const auto& info : integrator_registry()) candidates.emplace_back(info.name);
    fail("integrator.method", quoted(in.method), "must be one of " + names + did_you_mean(in.method, candidates));
  }
  if (!(in.dt > 0.0) || !std::isfinite(in.dt)) fail("integrator.dt", format_double(in.dt), "must be > 0");
  if (!(in.rtol > 0.0) || !std::isfinite(in.rtol)) fail("integrator.rtol", format_double(in.rtol), "must be > 0");
  if (!(in.atol > 0.0) || !std::isfinite(in.atol)) fail("integrator.atol", format_double(in.atol), "must be > 0");
  if (in.max_steps < 1) fail("integrator.max_steps", std::to_string(in.max_steps), "must be >= 1");

  for (double t : c.output.times)
    if (times_valid && !(t > p.t0 && t <= p.t_final))
      fail("output.times", format_double(t), "each time must lie in (problem.t0, problem.t_final] = (" +
                                                 format_double(p.t0) + ", " + format_double(p.t_final) + "]");
  if (c.output.diagnostics_every < 0)
    fail("output.diagnostics_every", std::to_string(c.output.diagnostics_every), "must be >= 0");
}

RunConfig read_table(const toml::table& table, std::vector<std::string>& errors) {
  RunConfig c;
  Reader r(errors);
  std::set<std::string> given;
  std::vector<std::string> sections, all_keys;
  for (const auto& k : kSchema) {
    if (std::find(sections.begin(), sections.end(), k.section) == sections.end()) sections.emplace_back(k.section);
    all_keys.push_back(std::string(k.section) + "." + std::string(k.name));
  }

  // Readers indexed by "section.key"; each takes the node and stores into c.
  std::int64_t dimension = c.problem.dimension, max_steps = static_cast<std::int64_t>(c.integrator.max_steps);
  const std::map<std::string, std::function<void(const std::string&, const toml::node&)>> readers = {
      {"problem.equation", [&](auto& k, auto& n) { r.read_string(k, n, c.problem.equation); }},
      {"problem.dimension", [&](auto& k, auto& n) { r.read_int(k, n, dimension); }},
      {"problem.m", [&](auto& k, auto& n) { r.read_double(k, n, c.problem.m); }},
      {"problem.target", [&](auto& k, auto& n) { r.read_string(k, n, c.problem.target); }},
      {"problem.initial", [&](auto& k, auto& n) { r.read_string(k, n, c.problem.initial); }},
      {"problem.mass", [&](auto& k, auto& n) { r.read_double(k, n, c.problem.mass); }},
      {"problem.initial_support", [&](auto& k, auto& n) { r.read_doubles(k, n, c.problem.initial_support); }},
      {"problem.t0", [&](auto& k, auto& n) { r.read_double(k, n, c.problem.t0); }},
      {"problem.t_final", [&](auto& k, auto& n) { r.read_double(k, n, c.problem.t_final); }},
      {"discretization.particles", [&](auto& k, auto& n) { r.read_int(k, n, c.discretization.particles); }},
      {"discretization.seed", [&](auto& k, auto& n) { r.read_int(k, n, c.discretization.seed); }},
      {"discretization.epsilon",
       [&](auto& k, auto& n) {
         if (n.is_number()) {
           double v = 0.0;
           r.read_double(k, n, v);
           if (!(v > 0.0) || !std::isfinite(v)) r.error(k, n, "must be a finite number > 0");
           c.discretization.epsilon = format_double(v);
         } else {
           r.read_string(k, n, c.discretization.epsilon);
         }
       }},
      {"discretization.mollifier", [&](auto& k, auto& n) { r.read_string(k, n, c.discretization.mollifier); }},
      {"discretization.placement", [&](auto& k, auto& n) { r.read_string(k, n, c.discretization.placement); }},
      {"discretization.engine", [&](auto& k, auto& n) { r.read_string(k, n, c.discretization.engine); }},
      {"discretization.engine_accuracy", [&](auto& k, auto& n) { r.read_double(k, n, c.discretization.engine_accuracy); }},
      {"target.box_lo", [&](auto& k, auto& n) { r.read_doubles(k, n, c.target.box_lo); }},
      {"target.box_hi", [&](auto& k, auto& n) { r.read_doubles(k, n, c.target.box_hi); }},
      {"target.mean", [&](auto& k, auto& n) { r.read_doubles(k, n, c.target.mean); }},
      {"target.covariance", [&](auto& k, auto& n) { r.read_doubles(k, n, c.target.covariance); }},
      {"target.weights", [&](auto& k, auto& n) { r.read_doubles(k, n, c.target.weights); }},
      {"target.means", [&](auto& k, auto& n) { r.read_doubles(k, n, c.target.means); }},
      {"target.covariances", [&](auto& k, auto& n) { r.read_doubles(k, n, c.target.covariances); }},
      {"target.pieces", [&](auto& k, auto& n) { r.read_boxes(k, n, c.target.pieces); }},
      {"target.grid_file", [&](auto& k, auto& n) { r.read_string(k, n, c.target.grid_file); }},
      {"target.floor_fraction",
       [&](auto& k, auto& n) {
         if (auto text = n.as_string(); text && text->get() == "auto") {
           c.target.floor_fraction.reset();
         } else if (n.is_number()) {
           double v = 0.0;
           r.read_double(k, n, v);
           c.target.floor_fraction = v;
         } else {
           r.error(k, n, "must be a number in (0, 1) or \"auto\"");
         }
       }},
      {"target.method", [&](auto& k, auto& n) { r.read_string(k, n, c.target.method); }},
      {"target.quadrature_accuracy", [&](auto& k, auto& n) { r.read_double(k, n, c.target.quadrature_accuracy); }},
      {"target.quadrature_spacing", [&](auto& k, auto& n) { r.read_double(k, n, c.target.quadrature_spacing); }},
      {"potential.kind", [&](auto& k, auto& n) { r.read_string(k, n, c.potential.kind); }},
      {"potential.strength", [&](auto& k, auto& n) { r.read_double(k, n, c.potential.strength); }},
      {"potential.center", [&](auto& k, auto& n) { r.read_doubles(k, n, c.potential.center); }},
      {"potential.well_radius", [&](auto& k, auto& n) { r.read_double(k, n, c.potential.well_radius); }},
      {"potential.coefficients", [&](auto& k, auto& n) { r.read_doubles(k, n, c.potential.coefficients); }},
      {"interaction.kind", [&](auto& k, auto& n) { r.read_string(k, n, c.interaction.kind); }},
      {"interaction.amplitude", [&](auto& k, auto& n) { r.read_double(k, n, c.interaction.amplitude); }},
      {"interaction.length", [&](auto& k, auto& n) { r.read_double(k, n, c.interaction.length); }},
      {"interaction.chi", [&](auto& k, auto& n) { r.read_double(k, n, c.interaction.chi); }},
      {"integrator.method", [&](auto& k, auto& n) { r.read_string(k, n, c.integrator.method); }},
      {"integrator.dt", [&](auto& k, auto& n) { r.read_double(k, n, c.integrator.dt); }},
      {"integrator.rtol", [&](auto& k, auto& n) { r.read_double(k, n, c.integrator.rtol); }},
      {"integrator.atol", [&](auto& k, auto& n) { r.read_double(k, n, c.integrator.atol); }},
      {"integrator.max_steps", [&](auto& k, auto& n) { r.read_int(k, n, max_steps); }},
      {"output.times", [&](auto& k, auto& n) { r.read_doubles(k, n, c.output.times); }},
      {"output.diagnostics_every", [&](auto& k, auto& n) { r.read_int(k, n, c.output.diagnostics_every); }},
  };

  for (const auto& [section_key, section_node] : table) {
    const std::string section(section_key.str());
    if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
      errors.push_back("[" + section + "]: unknown section" + did_you_mean(section, sections));
      continue;
    }
    const toml::table* body = section_node.as_table();
    if (!body) {
      errors.push_back(section + " = " + format_node(section_node) + ": must be a table [" + section + "]");
      continue;
    }
    std::vector<std::string> section_keys;
    for (const auto& k : kSchema)
      if (k.section == section) section_keys.emplace_back(k.name);
    for (const auto& [key, node] : *body) {
      const std::string name = section + "." + std::string(key.str());
      const auto reader = readers.find(name);
      if (reader == readers.end()) {
        std::string hint = did_you_mean(key.str(), section_keys);
        if (hint.empty()) hint = did_you_mean(name, all_keys);
        for (const auto& k : kSchema)
          if (hint.empty() && k.name == key.str()) hint = " (it belongs in [" + std::string(k.section) + "])";
        errors.push_back(name + ": unknown key" + hint);
        continue;
      }
      given.insert(name);
      reader->second(name, node);
    }
  }
  if (dimension < 1 || dimension > 3)
    errors.push_back("problem.dimension = " + std::to_string(dimension) + ": must be 1, 2 or 3");
  else
    c.problem.dimension = static_cast<int>(dimension);
  if (max_steps < 1)
    errors.push_back("integrator.max_steps = " + std::to_string(max_steps) + ": must be >= 1");
  else
    c.integrator.max_steps = static_cast<std::size_t>(max_steps);
  c.target.kind = c.problem.target;
  if (errors.empty()) validate(c, given, errors);
  return c;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> violations)
    : std::runtime_error([&] {
        std::string s = "invalid configuration:";
        for (const auto& v : violations) s += "\n  " + v;
        return s;
      }()),
      violations_(std::move(violations)) {}

std::vector<double> RunConfig::resolved_output_times() const {
  std::vector<double> times = output.times;
  times.push_back(problem.t_final);
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

std::span<const ConfigKey> config_schema() { return kSchema; }

RunConfig parse_run_config(std::string_view toml_text, const std::string& source,
                           const std::vector<std::string>& overrides) {
  toml::table table;
  try {
    table = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream s;
    s << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    throw ConfigError({s.str()});
  }
  std::vector<std::string> errors;
  for (const auto& assignment : overrides) apply_override(table, assignment, errors);
  if (!errors.empty()) throw ConfigError(errors);
  RunConfig config = read_table(table, errors);
  if (!errors.empty()) throw ConfigError(errors);
  return config;
}

RunConfig load_run_config(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  std::ifstream in(file);
  if (!in) throw ConfigError({file.string() + ": cannot read the configuration file"});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_run_config(text.str(), file.string(), overrides);
}

namespace {
nlohmann::json target_json(const TargetSpec& t) {
  nlohmann::json pieces = nlohmann::json::array();
  for (const TargetBox& b : t.pieces) pieces.push_back({{"lo", b.lo}, {"hi", b.hi}, {"value", b.value}});
  return {{"box_lo", t.box_lo},
          {"box_hi", t.box_hi},
          {"mean", t.mean},
          {"covariance", t.covariance},
          {"weights", t.weights},
          {"means", t.means},
          {"covariances", t.covariances},
          {"pieces", pieces},
          {"grid_file", t.grid_file},
          {"floor_fraction", t.floor_fraction ? nlohmann::json(*t.floor_fraction) : nlohmann::json("auto")},
          {"method", t.method},
          {"quadrature_accuracy", t.quadrature_accuracy},
          {"quadrature_spacing", t.quadrature_spacing}};
}
}  // namespace

nlohmann::json to_json(const RunConfig& c) {
  nlohmann::json j = {
      {"problem",
       {{"equation", c.problem.equation}, {"dimension", c.problem.dimension}, {"m", c.problem.m},
        {"target", c.problem.target}, {"initial", c.problem.initial}, {"mass", c.problem.mass},
        {"initial_support", c.problem.initial_support}, {"t0", c.problem.t0}, {"t_final", c.problem.t_final}}},
      {"discretization",
       {{"particles", c.discretization.particles}, {"epsilon", c.discretization.epsilon},
        {"mollifier", c.discretization.mollifier}, {"placement", c.discretization.placement},
        {"engine", c.discretization.engine}, {"engine_accuracy", c.discretization.engine_accuracy}}},
      {"target", target_json(c.target)},
      {"potential",
       {{"kind", c.potential.kind}, {"strength", c.potential.strength}, {"center", c.potential.center},
        {"well_radius", c.potential.well_radius}, {"coefficients", c.potential.coefficients}}},
      {"interaction",
       {{"kind", c.interaction.kind}, {"amplitude", c.interaction.amplitude}, {"length", c.interaction.length},
        {"chi", c.interaction.chi}}},
      {"integrator",
       {{"method", c.integrator.method}, {"dt", c.integrator.dt}, {"rtol", c.integrator.rtol},
        {"atol", c.integrator.atol}, {"max_steps", c.integrator.max_steps}}},
      {"output", {{"times", c.resolved_output_times()}, {"diagnostics_every", c.output.diagnostics_every}}},
  };
  // The seed only where it is used, so that the configuration hash of a deterministic placement ignores it.
  if (c.discretization.placement == "random") j["discretization"]["seed"] = c.discretization.seed;
  return j;
}

}  // namespace blobflow
